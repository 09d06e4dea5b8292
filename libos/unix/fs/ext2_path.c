/*
 * ext2_path.c - path walks for the libOS's system calls: components
 * looked up one by one from the walk's root or current directory, ".."
 * stopping at the root, symbolic links spliced in front of the rest of
 * the path (at most EXT2_SYMLOOP_MAX per walk, so loops end in -ELOOP).
 * The path being walked lives in fs->path.
 */
#include "ext2_int.h"

static bool is_symlink(struct ext2_fs *fs, uint32_t ino, uint32_t *size)
{
	struct ext2_iref r;

	if (ext2_iload(fs, ino, &r) < 0)
		return false;
	bool l = (r.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFLNK;
	*size = r.in->i_size;
	ext2_irelease(fs, &r);
	return l;
}

static bool is_dir(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_iref r;

	if (ext2_iload(fs, ino, &r) < 0)
		return false;
	bool d = (r.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	ext2_irelease(fs, &r);
	return d;
}

/*
 * The path walk. fs->path holds what is left to walk; a symlink's target
 * is spliced in front of the rest. With parent set, stops before the last
 * component and returns it in *parent.
 */
static int walk(struct ext2_fs *fs, uint32_t root, uint32_t cwd, const char *path, unsigned flags,
		uint32_t *ino, struct ext2_parent *parent)
{
	size_t plen = strnlen(path, EXT2_PATH_MAX);
	unsigned links = 0;
	int e;

	if (plen == 0)
		return -ENOENT;
	if (plen == EXT2_PATH_MAX)
		return -ENAMETOOLONG;
	if ((e = ext2_ino_ok(fs, root)) < 0 || (e = ext2_ino_ok(fs, cwd)) < 0)
		return e;
	memcpy(fs->path, path, plen + 1);
	bool trailing = fs->path[plen - 1] == '/';
	uint32_t cur = fs->path[0] == '/' ? root : cwd;
	size_t i = 0;
	for (;;) {
		char *s = fs->path;
		while (s[i] == '/')
			i++;
		if (!s[i]) {
			if (parent) {
				/* Only slashes: the root (or the start) itself. */
				parent->dir = cur;
				parent->len = 1;
				parent->name[0] = '.';
				parent->name[1] = 0;
				parent->trailing_slash = trailing;
				return 0;
			}
			if (trailing && !is_dir(fs, cur))
				return -ENOTDIR;
			*ino = cur;
			return 0;
		}
		size_t start = i;
		while (s[i] && s[i] != '/')
			i++;
		size_t len = i - start;
		size_t j = i;
		while (s[j] == '/')
			j++;
		bool last = !s[j];
		if (len > EXT2_NAME_LEN)
			return -ENAMETOOLONG;
		if (last && parent) {
			parent->dir = cur;
			parent->len = len;
			memcpy(parent->name, s + start, len);
			parent->name[len] = 0;
			parent->trailing_slash = s[i] == '/';
			return is_dir(fs, cur) ? 0 : -ENOTDIR;
		}
		uint32_t next;
		if (len == 2 && s[start] == '.' && s[start + 1] == '.' && cur == root) {
			next = root;
			if (!is_dir(fs, cur))
				return -ENOTDIR;
		} else if ((e = ext2_lookup(fs, cur, s + start, len, &next)) < 0) {
			return e;
		}
		uint32_t tlen;
		bool follow = !last || (flags & EXT2_FOLLOW) || s[i] == '/';
		if (follow && is_symlink(fs, next, &tlen)) {
			if (++links > EXT2_SYMLOOP_MAX)
				return -ELOOP;
			if (tlen == 0 || tlen >= EXT2_BLOCK_SIZE)
				return ext2_corrupt_num(fs, "bad symlink size: inode", next);
			size_t rest = strlen(s + i);
			if (tlen + rest + 1 > EXT2_PATH_MAX)
				return -ENAMETOOLONG;
			memmove(s + tlen, s + i, rest + 1);
			int64_t got = ext2_readlink(fs, next, s, tlen);
			if (got < 0)
				return (int)got;
			if (got != tlen || memchr(s, 0, tlen))
				return ext2_corrupt_num(fs, "bad symlink: inode", next);
			if (s[0] == '/')
				cur = root;
			i = 0;
			continue;
		}
		cur = next;
	}
}

int ext2_resolve(struct ext2_fs *fs, uint32_t root, uint32_t cwd, const char *path, unsigned flags,
		 uint32_t *ino)
{
	return walk(fs, root, cwd, path, flags, ino, NULL);
}

int ext2_resolve_parent(struct ext2_fs *fs, uint32_t root, uint32_t cwd, const char *path,
			struct ext2_parent *out)
{
	return walk(fs, root, cwd, path, 0, NULL, out);
}
