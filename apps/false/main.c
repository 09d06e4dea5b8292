/*
 * false - do nothing, unsuccessfully (POSIX): exit status 1 whatever the
 * arguments. Shell scripts use it as an always-false condition.
 */
int main(void)
{
	return 1;
}
