/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/shell.c - the command shell of `kmm boot`: a small shell-like
 * word splitter (quotes, backslashes, '#' comments, `> PATH` redirection
 * into the machine's /proc and /sys), the script runners used for -c, -f
 * and piped input, and the interactive shell with libedit line editing,
 * history (~/.kmm_history) and completion of commands and paths.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

/* ---- words ------------------------------------------------------------------ */

struct words {
	int argc, cap;
	char **argv;
	char *redir; /* `> PATH` target, or NULL */
	bool append; /* `>>` */
};

static void words_free(struct words *w)
{
	for (int i = 0; i < w->argc; i++)
		free(w->argv[i]);
	free(w->argv);
	free(w->redir);
	memset(w, 0, sizeof(*w));
}

struct strbuf {
	char *s;
	size_t len, cap;
};

static void sb_putc(struct strbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *s = realloc(b->s, cap);
		if (!s) {
			fprintf(stderr, "kmm: out of memory\n");
			exit(CLI_EXIT_FAIL);
		}
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static char *sb_take(struct strbuf *b)
{
	char *s = b->s ? b->s : strdup("");
	memset(b, 0, sizeof(*b));
	if (!s) {
		fprintf(stderr, "kmm: out of memory\n");
		exit(CLI_EXIT_FAIL);
	}
	return s;
}

static void words_push(struct words *w, char *word)
{
	if (w->argc + 2 > w->cap) {
		int cap = w->cap ? w->cap * 2 : 8;
		char **v = realloc(w->argv, (size_t)cap * sizeof(*v));
		if (!v) {
			fprintf(stderr, "kmm: out of memory\n");
			exit(CLI_EXIT_FAIL);
		}
		w->argv = v;
		w->cap = cap;
	}
	w->argv[w->argc++] = word;
	w->argv[w->argc] = NULL;
}

/* ---- shell variables ------------------------------------------------------------ */

bool cli_valid_var_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= CLI_VAR_NAME_MAX || (!isalpha((unsigned char)name[0]) && name[0] != '_'))
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

const char *cli_var_get(struct cli_shell *sh, const char *name)
{
	for (size_t i = 0; i < sh->nr_svars; i++)
		if (!strcmp(sh->svars[i].name, name))
			return sh->svars[i].value;
	return NULL;
}

bool cli_var_set(struct cli_shell *sh, const char *name, const char *value)
{
	struct cli_var *v = NULL;

	for (size_t i = 0; i < sh->nr_svars && !v; i++)
		if (!strcmp(sh->svars[i].name, name))
			v = &sh->svars[i];
	if (!v) {
		if (sh->nr_svars == sh->cap_svars) {
			size_t cap = sh->cap_svars ? sh->cap_svars * 2 : 16;
			struct cli_var *nv = realloc(sh->svars, cap * sizeof(*nv));
			if (!nv)
				return false;
			sh->svars = nv;
			sh->cap_svars = cap;
		}
		v = &sh->svars[sh->nr_svars++];
		snprintf(v->name, sizeof(v->name), "%s", name);
	}
	snprintf(v->value, sizeof(v->value), "%s", value);
	return true;
}

/*
 * Expand the "$NAME" or "${NAME}" at *pp into @cur and move *pp past it.
 * A '$' not followed by a name is kept as it is.  Returns 0, or -1 with a
 * message in @err (an unset variable is an error, as with `set -u`).
 */
static int expand_var(struct cli_shell *sh, const char **pp, struct strbuf *cur, char *err,
		      size_t errlen)
{
	const char *p = *pp + 1, *value;
	char name[CLI_VAR_NAME_MAX];
	bool brace = *p == '{';
	size_t n = 0;

	if (brace)
		p++;
	if (!isalpha((unsigned char)*p) && *p != '_') {
		if (brace) {
			snprintf(err, errlen, "bad substitution: '${'");
			return -1;
		}
		sb_putc(cur, '$');
		*pp += 1;
		return 0;
	}
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	if (n >= sizeof(name)) {
		snprintf(err, errlen, "%.*s: variable name too long", (int)n, p);
		return -1;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	p += n;
	if (brace && *p++ != '}') {
		snprintf(err, errlen, "bad substitution: '${%s' needs a '}'", name);
		return -1;
	}
	value = cli_var_get(sh, name);
	if (!value) {
		snprintf(err, errlen, "%s: unbound variable", name);
		return -1;
	}
	for (; *value; value++)
		sb_putc(cur, *value);
	*pp = p;
	return 0;
}

/*
 * Split @line into words as a POSIX shell would for simple commands:
 * blanks separate words; '...' is literal; "..." allows \" and \\; a
 * backslash outside quotes escapes the next character; $NAME and ${NAME}
 * outside single quotes are replaced by the shell variable's value; '#' at
 * the start of a word begins a comment; '>' and '>>' outside quotes
 * redirect output to the next word.  Returns 0, or -1 with a message in
 * @err.
 */
static int split_words(struct cli_shell *sh, const char *line, struct words *w, char *err,
		       size_t errlen)
{
	struct strbuf cur = { 0 };
	bool in_word = false;
	int want_redir = 0; /* 1: the next word is a redirection target */
	const char *p = line;

	memset(w, 0, sizeof(*w));
	for (;;) {
		char c = *p;
		bool end = (c == '\0');

		if (end || isspace((unsigned char)c) || (c == '>')) {
			if (in_word) {
				char *word = sb_take(&cur);
				if (want_redir) {
					w->redir = word;
					want_redir = 0;
				} else {
					words_push(w, word);
				}
				in_word = false;
			}
			if (end)
				break;
			if (c == '>') {
				if (want_redir || w->redir) {
					snprintf(err, errlen, "syntax error near '>'");
					goto fail;
				}
				want_redir = 1;
				if (p[1] == '>') {
					w->append = true;
					p++;
				}
			}
			p++;
			continue;
		}
		if (c == '#' && !in_word)
			break;
		in_word = true;
		if (c == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (!q) {
				snprintf(err, errlen, "unterminated quote (')");
				goto fail;
			}
			for (p++; p < q; p++)
				sb_putc(&cur, *p);
			p = q + 1;
			continue;
		}
		if (c == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '$') {
					if (expand_var(sh, &p, &cur, err, errlen) < 0)
						goto fail;
					continue;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
					p++;
				sb_putc(&cur, *p++);
			}
			if (*p != '"') {
				snprintf(err, errlen, "unterminated quote (\")");
				goto fail;
			}
			p++;
			continue;
		}
		if (c == '\\' && p[1]) {
			sb_putc(&cur, p[1]);
			p += 2;
			continue;
		}
		if (c == '$') {
			if (expand_var(sh, &p, &cur, err, errlen) < 0)
				goto fail;
			continue;
		}
		sb_putc(&cur, c);
		p++;
	}
	if (want_redir) {
		snprintf(err, errlen, "syntax error: '>' needs a file name");
		goto fail;
	}
	free(cur.s);
	return 0;
fail:
	free(cur.s);
	words_free(w);
	return -1;
}

/* ---- running one command ----------------------------------------------------------- */

void cli_shell_init(struct cli_shell *sh, struct kmm_machine *m)
{
	memset(sh, 0, sizeof(*sh));
	sh->m = m;
	sh->out = stdout;
	sh->next_auto_name = 1;
}

void cli_shell_destroy(struct cli_shell *sh)
{
	cli_slab_forget(sh);
	while (sh->nr_groups)
		cli_free_group(sh, &sh->groups[sh->nr_groups - 1]);
	free(sh->groups);
	sh->groups = NULL;
	sh->cap_groups = 0;
	free(sh->svars);
	sh->svars = NULL;
	sh->nr_svars = sh->cap_svars = 0;
}

int cli_error(struct cli_shell *sh, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sh->err, sizeof(sh->err), fmt, ap);
	va_end(ap);
	return CLI_ERR;
}

int cli_usage(struct cli_shell *sh, const struct cli_cmd *cmd, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* Only the first synopsis line: the message must stay on one line. */
	const char *syn = cmd->doc.synopsis;
	int synlen = (int)strcspn(syn, "\n");
	return cli_error(sh, "%s: %s (usage: %.*s)", cmd->doc.name, what, synlen, syn);
}

const struct cli_cmd *cli_find_command(const char *name)
{
	for (const struct cli_cmd *const *c = cli_commands; *c; c++)
		if (!strcmp((*c)->doc.name, name))
			return *c;
	return NULL;
}

static int run_redirected(struct cli_shell *sh, const struct cli_cmd *cmd, struct words *w)
{
	struct kmm_machine *m = sh->m;
	char pbuf[CLI_PATH_MAX];
	const char *shown = w->redir, *path = cli_path(w->redir, pbuf, sizeof(pbuf));
	char *buf = NULL;
	size_t len = 0;
	FILE *saved = sh->out, *ms;
	int st, rc;

	/* Like a shell, resolve the target before running the command. */
	st = kmm_proc_stat(m, path);
	if (st < 0)
		return cli_error(sh, "%s: %s: %s", cmd->doc.name, shown, cli_strerror(st));
	if (st == 1)
		return cli_error(sh, "%s: %s: Is a directory", cmd->doc.name, shown);

	ms = open_memstream(&buf, &len);
	if (!ms)
		return cli_error(sh, "%s: %s", cmd->doc.name, strerror(errno));
	sh->out = ms;
	rc = cmd->run(sh, w->argc, w->argv);
	sh->out = saved;
	fclose(ms);
	if (rc != CLI_ERR && len > 0) {
		int wr = kmm_proc_write(m, path, buf, len);
		if (wr < 0)
			rc = cli_error(sh, "%s: write error: %s: %s", cmd->doc.name, shown,
				       cli_strerror(wr));
	}
	free(buf);
	return rc;
}

int cli_run_line(struct cli_shell *sh, const char *line)
{
	struct words w;
	const struct cli_cmd *cmd;
	char err[256];
	int rc;

	sh->err[0] = '\0';
	if (split_words(sh, line, &w, err, sizeof(err)) < 0)
		return cli_error(sh, "%s", err);
	if (w.argc == 0) {
		rc = w.redir ? cli_error(sh, "syntax error: no command before '>'") : CLI_OK;
		words_free(&w);
		return rc;
	}
	cmd = cli_find_command(w.argv[0]);
	if (!cmd) {
		rc = cli_error(sh, "%s: unknown command (type 'help' for the list)", w.argv[0]);
	} else if (w.argc == 2 && (!strcmp(w.argv[1], "--help") || !strcmp(w.argv[1], "-h"))) {
		cli_print_page(sh->out, &cmd->doc);
		rc = CLI_OK;
	} else if (w.redir) {
		rc = run_redirected(sh, cmd, &w);
	} else {
		rc = cmd->run(sh, w.argc, w.argv);
	}
	if (rc == CLI_ERR && !sh->err[0])
		cli_error(sh, "%s: failed", w.argv[0]);
	fflush(sh->out);
	words_free(&w);
	return rc;
}

/* ---- scripts ------------------------------------------------------------------------- */

static void report(struct cli_shell *sh, const char *origin, unsigned number)
{
	fflush(stdout);
	if (origin)
		fprintf(stderr, "%s:%u: %s\n", origin, number, sh->err);
	else
		fprintf(stderr, "%s\n", sh->err);
	fflush(stderr);
}

/*
 * Run the commands of @text, split on newlines and on ';' outside quotes
 * and comments.  *number is the current line (incremented per newline) or,
 * with @number_segments, the current command (incremented per command).
 * With @stop_on_error the first failure is reported as ORIGIN:N: and ends
 * the run with CLI_EXIT_FAIL; otherwise errors are printed and the run
 * goes on.  `exit` sets *quit.
 */
static int run_text(struct cli_shell *sh, const char *origin, const char *text, unsigned *number,
		    bool number_segments, bool stop_on_error, bool *quit)
{
	const char *p = text;
	int status = CLI_EXIT_OK;

	while (*p) {
		const char *start = p;
		char quote = 0;
		bool word_start = true, comment = false;

		while (*p && *p != '\n') {
			char c = *p;
			if (comment) {
				p++;
				continue;
			}
			if (quote == '\'') {
				if (c == '\'')
					quote = 0;
			} else if (quote == '"') {
				if (c == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				else if (c == '"')
					quote = 0;
			} else if (c == '\\' && p[1] && p[1] != '\n') {
				p++;
			} else if (c == '\'' || c == '"') {
				quote = c;
			} else if (c == ';') {
				break;
			} else if (c == '#' && word_start) {
				comment = true;
			}
			word_start = !quote && (isspace((unsigned char)c) || c == '>');
			p++;
		}

		size_t len = (size_t)(p - start);
		char *seg = malloc(len + 1);
		if (!seg) {
			fprintf(stderr, "kmm: out of memory\n");
			return CLI_EXIT_FAIL;
		}
		memcpy(seg, start, len);
		seg[len] = '\0';
		if (len && seg[len - 1] == '\r')
			seg[len - 1] = '\0';
		if (number_segments)
			++*number;

		int rc = cli_run_line(sh, seg);
		free(seg);
		if (rc == CLI_QUIT) {
			*quit = true;
			return sh->exit_status;
		}
		if (rc == CLI_ERR) {
			report(sh, origin, *number);
			if (stop_on_error)
				return CLI_EXIT_FAIL;
			status = CLI_EXIT_FAIL;
		}

		if (*p == ';') {
			p++;
		} else if (*p == '\n') {
			p++;
			if (!number_segments)
				++*number;
		}
	}
	return status;
}

int cli_run_script_text(struct cli_shell *sh, const char *origin, const char *text,
			bool number_segments, bool *quit)
{
	unsigned number = number_segments ? 0 : 1;
	*quit = false;
	return run_text(sh, origin, text, &number, number_segments, true, quit);
}

int cli_run_script_file(struct cli_shell *sh, const char *path, bool *quit)
{
	bool is_stdin = !strcmp(path, "-");
	const char *origin = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int status = CLI_EXIT_OK;

	*quit = false;
	if (!f) {
		fprintf(stderr, "kmm: %s: %s\n", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		unsigned number = ++lineno;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		status = run_text(sh, origin, line, &number, false, true, quit);
		if (status != CLI_EXIT_OK || *quit)
			break;
	}
	if (ferror(f) && status == CLI_EXIT_OK && !*quit) {
		fprintf(stderr, "kmm: %s: read error: %s\n", origin, strerror(errno));
		status = CLI_EXIT_FAIL;
	}
	free(line);
	if (!is_stdin)
		fclose(f);
	return status;
}

/* ---- the interactive shell ----------------------------------------------------------- */

static struct cli_shell *complete_sh; /* the shell whose machine completion reads */

struct name_list {
	char **v;
	size_t nr, cap, next;
};

static struct name_list matches;

static void names_reset(struct name_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		free(l->v[i]);
	l->nr = 0;
	l->next = 0;
}

static void names_add(struct name_list *l, const char *s)
{
	char *d;
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	d = strdup(s);
	if (d)
		l->v[l->nr++] = d;
}

static char *names_next(struct name_list *l)
{
	return l->next < l->nr ? strdup(l->v[l->next++]) : NULL;
}

static char *command_generator(const char *text, int state)
{
	if (!state) {
		names_reset(&matches);
		for (const struct cli_cmd *const *c = cli_commands; *c; c++)
			if (!strncmp((*c)->doc.name, text, strlen(text)))
				names_add(&matches, (*c)->doc.name);
	}
	return names_next(&matches);
}

struct path_ctx {
	const char *dir;  /* with trailing '/' */
	const char *base; /* prefix of the last component */
};

static void collect_path(void *ctx, const char *name, bool is_dir)
{
	struct path_ctx *pc = ctx;
	char full[1024];
	if (strncmp(name, pc->base, strlen(pc->base)))
		return;
	snprintf(full, sizeof(full), "%s%s%s", pc->dir, name, is_dir ? "/" : "");
	names_add(&matches, full);
}

static char *path_generator(const char *text, int state)
{
	if (!state) {
		char dir[1024], list[1024];
		const char *slash = strrchr(text, '/');
		size_t dlen = slash ? (size_t)(slash - text) + 1 : 0;
		struct path_ctx pc;

		names_reset(&matches);
		if (!slash || dlen >= sizeof(dir))
			return NULL;
		memcpy(dir, text, dlen);
		dir[dlen] = '\0';
		pc.dir = dir;
		pc.base = slash + 1;
		kmm_proc_list(complete_sh->m, cli_path(dir, list, sizeof(list)), collect_path, &pc);
	}
	return names_next(&matches);
}

static const char *const gfp_names[] = {
	"GFP_KERNEL",
	"GFP_ATOMIC",
	"GFP_NOWAIT",
	"GFP_NOIO",
	"GFP_NOFS",
	"GFP_USER",
	"GFP_DMA",
	"GFP_DMA32",
	"GFP_HIGHUSER",
	"GFP_HIGHUSER_MOVABLE",
	"GFP_TRANSHUGE",
	"GFP_TRANSHUGE_LIGHT",
	"GFP_KERNEL_ACCOUNT",
	"__GFP_DMA",
	"__GFP_DMA32",
	"__GFP_HIGHMEM",
	"__GFP_MOVABLE",
	"__GFP_RECLAIMABLE",
	"__GFP_HIGH",
	"__GFP_IO",
	"__GFP_FS",
	"__GFP_ZERO",
	"__GFP_DIRECT_RECLAIM",
	"__GFP_KSWAPD_RECLAIM",
	"__GFP_WRITE",
	"__GFP_NOWARN",
	"__GFP_RETRY_MAYFAIL",
	"__GFP_NOFAIL",
	"__GFP_NORETRY",
	"__GFP_MEMALLOC",
	"__GFP_COMP",
	"__GFP_NOMEMALLOC",
	"__GFP_HARDWALL",
	"__GFP_THISNODE",
	"__GFP_ACCOUNT",
	NULL,
};

static char *gfp_generator(const char *text, int state)
{
	if (!state) {
		names_reset(&matches);
		for (int i = 0; gfp_names[i]; i++)
			if (!strncmp(gfp_names[i], text, strlen(text)))
				names_add(&matches, gfp_names[i]);
	}
	return names_next(&matches);
}

static char **complete(const char *text, int start, int end)
{
	char **r = NULL;
	int i = start;
	(void)end;

	rl_attempted_completion_over = 1; /* never fall back to host file names */
	while (i > 0 && isspace((unsigned char)rl_line_buffer[i - 1]))
		i--;
	if (i == 0 || rl_line_buffer[i - 1] == ';') {
		r = rl_completion_matches(text, command_generator);
	} else if (text[0] == '/') {
		r = rl_completion_matches(text, path_generator);
	} else if (start > 0 &&
		   (rl_line_buffer[start - 1] == '=' || rl_line_buffer[start - 1] == '|')) {
		r = rl_completion_matches(text, gfp_generator);
	}
	/*
	 * A directory completes to "DIR/" with no space after, so that Tab can
	 * go on into it.  (r[0] is the whole match when there is one, else the
	 * common prefix, which ends in '/' only when nothing is inserted.)
	 */
	rl_completion_append_character = ' ';
	if (r && r[0] && r[0][0] && r[0][strlen(r[0]) - 1] == '/')
		rl_completion_append_character = '\0';
	return r;
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *p;
	if (!home || !*home)
		return NULL;
	if (asprintf(&p, "%s/.kmm_history", home) < 0)
		return NULL;
	return p;
}

int cli_interactive(struct cli_shell *sh)
{
	char *hist = history_path();
	int status = CLI_EXIT_OK;
	bool quit = false;

	complete_sh = sh;
	rl_readline_name = "kmm";
	rl_attempted_completion_function = complete;
	using_history();
	stifle_history(1000);
	if (hist)
		read_history(hist);

	printf("kmm shell: type 'help' for the commands, 'help COMMAND' for one, "
	       "'exit' or Ctrl-D to leave.\n");
	fflush(stdout);
	for (;;) {
		char *line = readline("kmm# ");
		const char *s;
		unsigned number = 1;

		if (!line) {
			putchar('\n');
			break;
		}
		for (s = line; isspace((unsigned char)*s); s++)
			;
		if (*s)
			add_history(line);
		status = run_text(sh, NULL, line, &number, false, false, &quit);
		free(line);
		fflush(stdout);
		if (quit)
			break;
	}
	if (hist) {
		write_history(hist);
		free(hist);
	}
	names_reset(&matches);
	free(matches.v);
	matches.v = NULL;
	matches.cap = 0;
	complete_sh = NULL;
	/* The status of an interactive session is that of `exit N`, else 0. */
	return quit ? status : CLI_EXIT_OK;
}
