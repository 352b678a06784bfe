/*
 * aliasfile_diag.c: the alias file's diagnostics.  Every problem is
 * recorded as "FILE:LINE:COLUMN: message" with its position and sorted
 * by position at the end, so the messages come in file order whatever
 * order the walk and the checks found them in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "aliasfile.h"
#include "aliasfile_priv.h"

static int pending_cmp(const void *, const void *);

/* ---- diagnostics ---- */

void
af_diag_init(struct af_diag *d)
{
	d->msgs = NULL;
	d->nmsgs = 0;
	d->nerrors = 0;
	d->nwarnings = 0;
	d->status = 0;
	d->parts = 0;
}

void
af_diag_free(struct af_diag *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nmsgs; i++)
		free(d->msgs[i]);
	free(d->msgs);
	af_diag_init(d);
}

/*
 * Records an error (warning 0) or a warning at pos (NULL: the file as a
 * whole).  Messages past AF_DIAG_MAX are only counted.
 */
void
diag_add(
    struct diag_buf *m, int warning, const struct pos *pos, const char *fmt, ...)
{
	struct pending *p;
	char head[64], body[1024];
	size_t len;
	va_list ap;

	if (warning)
		m->nwarnings++;
	else {
		m->nerrors++;
		diag_status(m, EX_DATAERR);
	}
	if (m->nmsgs >= AF_DIAG_MAX)
		return;
	if (m->msgs == NULL &&
	    (m->msgs = calloc(AF_DIAG_MAX, sizeof(*m->msgs))) == NULL)
		goto fail;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (pos != NULL && pos->line != 0)
		snprintf(head, sizeof(head), ":%u:%u", (unsigned)pos->line,
		    (unsigned)pos->col);
	else
		head[0] = '\0';
	len = strlen(m->path) + strlen(head) + strlen(body) + 16;
	p = &m->msgs[m->nmsgs];
	if ((p->text = malloc(len)) == NULL)
		goto fail;
	snprintf(p->text, len, "%s%s: %s%s", m->path, head,
	    warning ? "warning: " : "", body);
	p->pos = pos != NULL ? *pos : (struct pos){0, 0};
	p->seq = m->seq++;
	m->nmsgs++;
	return;
fail:
	diag_status(m, EX_OSERR);
}

/*
 * Keeps the most telling sysexits code: a machine problem outranks a
 * missing file, which outranks bad content.
 */
void
diag_status(struct diag_buf *m, int status)
{
	static const int rank[] = {EX_DATAERR, EX_NOINPUT, EX_IOERR, EX_OSERR};
	int i, old = -1, new = -1;

	for (i = 0; i < (int)(sizeof(rank) / sizeof(rank[0])); i++) {
		if (rank[i] == m->status)
			old = i;
		if (rank[i] == status)
			new = i;
	}
	if (new > old)
		m->status = status;
}

static int
pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Moves the messages into the caller's diag in file order (those
 * without a position first), with the counts and the status.
 */
void
diag_flush(struct diag_buf *m)
{
	struct af_diag *d = m->out;
	char **msgs;
	size_t i;

	if (m->nmsgs > 0) {
		qsort(m->msgs, m->nmsgs, sizeof(*m->msgs), pending_cmp);
		msgs = realloc(d->msgs, (d->nmsgs + m->nmsgs) * sizeof(*msgs));
		if (msgs == NULL) {
			diag_status(m, EX_OSERR);
			for (i = 0; i < m->nmsgs; i++)
				free(m->msgs[i].text);
		} else {
			d->msgs = msgs;
			for (i = 0; i < m->nmsgs; i++)
				d->msgs[d->nmsgs++] = m->msgs[i].text;
		}
	}
	free(m->msgs);
	m->msgs = NULL;
	m->nmsgs = 0;
	d->nerrors += m->nerrors;
	d->nwarnings += m->nwarnings;
	if (m->status != 0)
		d->status = m->status;
}


/*
 * Writes user text (len bytes of s) into buf (QUOTE_BUF bytes) for a
 * message: control bytes as \xNN, cut with "..." after QUOTE_MAX bytes
 * (at a UTF-8 character boundary; libyaml has checked the encoding).
 * Returns buf.
 */
const char *
diag_quote(const char *s, size_t len, char *buf)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n, o = 0;

	n = len;
	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n > 0 && (u[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			o += (size_t)snprintf(
			    buf + o, QUOTE_BUF - o, "\\x%02x", u[i]);
		else
			buf[o++] = (char)u[i];
	}
	if (n < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}


void
diag_oom(struct diag_buf *m)
{
	if (!m->oom_said)
		diag_add(m, 0, NULL, "out of memory");
	m->oom_said = 1;
	diag_status(m, EX_OSERR);
}
