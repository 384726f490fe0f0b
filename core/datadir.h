/* SPDX-License-Identifier: MIT */
/*
 * datadir.h - where khora finds its data: the directories of the running
 * binary (a build tree's, or the installed prefix's) and the user's own
 * directories by the XDG base directory rules.  The one place these
 * paths are made; nothing here opens or checks them.
 */
#ifndef DATADIR_H
#define DATADIR_H

struct strbuf;

/* Directories that the running binary uses (build tree or installed);
 * static storage, never NULL. */
const char *khora_plugindir(void);
const char *khora_templatedir(void);

/* The source tree the running binary was built in, or NULL when it is
 * installed (static storage). */
const char *khora_build_tree(void);

enum user_dir {
	USER_DATA,	/* $XDG_DATA_HOME/khora, ~/.local/share/khora */
	USER_CONFIG,	/* $XDG_CONFIG_HOME/khora, ~/.config/khora */
	USER_CACHE,	/* $XDG_CACHE_HOME/khora, ~/.cache/khora */
};

/*
 * Appends the user's khora directory of that kind, then "/" and sub
 * when sub is not NULL.  The XDG rule: $XDG_*_HOME when it is absolute
 * (a relative value is ignored), else below $HOME when that is absolute;
 * never the working directory, which may be a project.  0, or -1 with
 * sb untouched when neither variable gives an absolute path.
 */
int datadir_user(struct strbuf *sb, enum user_dir kind, const char *sub);

#endif /* DATADIR_H */
