/*
 * true - do nothing, successfully (POSIX). Arguments are ignored; shell
 * scripts use it as an always-true condition.
 */
int main(void)
{
	return 0;
}
