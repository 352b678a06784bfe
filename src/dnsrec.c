/*
 * dnsrec.c: DNS record codecs (see dnsrec.h): what the family shares
 * (dnsrec_priv.h: the output buffer, the tag-list reader) and zone-file
 * TXT lines.  The codecs: dnsrec_spf.c (RFC 7208), dnsrec_dmarc.c (RFC
 * 7489), dnsrec_dkim.c (RFC 6376, RFC 8463).  Pure: the caller resolves,
 * these files only read and write text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"
#include "dnsrec_priv.h"

void
ob_init(struct obuf *o, char *buf, size_t size)
{
	o->buf = buf;
	o->size = size;
	o->len = 0;
	o->full = 0;
}

void
ob_putn(struct obuf *o, const char *s, size_t n)
{
	if (o->full || n >= o->size - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void
ob_puts(struct obuf *o, const char *s)
{
	ob_putn(o, s, strlen(s));
}

void
ob_putc(struct obuf *o, char c)
{
	ob_putn(o, &c, 1);
}

/* NUL-terminates; returns the length, or -1 (and "") when it overflowed. */
int
ob_end(struct obuf *o)
{
	if (o->size == 0)
		return -1;
	if (o->full || o->len > (size_t)0x7fffffff) {
		o->buf[0] = '\0';
		return -1;
	}
	o->buf[o->len] = '\0';
	return (int)o->len;
}

/* Returns 1 when s (n bytes) is word, ASCII case aside. */
int
ieq(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

/* Returns a NUL-terminated copy of n bytes of s, or NULL. */
char *
dup_n(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Tag lists, DMARC and DKIM. */

/*
 * Reads the next tag of s (len bytes) from *pos.  Empty tags (";;")
 * are skipped: real records have them, and no receiver refuses them.
 * Returns 1 and *t, 0 at the end, or -1 with the reason in e.
 */
int
tag_next(const char *s, size_t len, size_t *pos, struct tag *t, int fws,
    struct errbuf *e)
{
	size_t i = *pos;
	int c;

	for (;;) {
		while (i < len && is_wsp((unsigned char)s[i], fws))
			i++;
		if (i == len) {
			*pos = i;
			return 0;
		}
		if (s[i] != ';')
			break;
		i++;
	}
	t->name = s + i;
	t->col = i + 1;
	if (!is_alpha((unsigned char)s[i]))
		return errbuf_set(e, "column %zu: expected a tag name", i + 1);
	while (i < len && (is_alnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	t->nlen = (size_t)(s + i - t->name);
	while (i < len && is_wsp((unsigned char)s[i], fws))
		i++;
	if (i == len || s[i] != '=')
		return errbuf_set(e, "column %zu: expected \"=\" after tag "
		    "\"%.*s\"", i + 1, (int)t->nlen, t->name);
	for (i++; i < len && is_wsp((unsigned char)s[i], fws); i++)
		continue;
	t->val = s + i;
	for (; i < len && s[i] != ';'; i++) {
		c = (unsigned char)s[i];
		if ((c < 0x21 || c > 0x7e) && !is_wsp(c, fws))
			return errbuf_set(e, "column %zu: byte 0x%02x is not "
			    "allowed", i + 1, (unsigned)c);
	}
	t->vlen = (size_t)(s + i - t->val);
	while (t->vlen > 0 && is_wsp((unsigned char)t->val[t->vlen - 1], fws))
		t->vlen--;
	*pos = i < len ? i + 1 : i;
	return 1;
}

/*
 * Checks a list of words separated by ":" with blanks around, as fo=,
 * rf=, h=, s= and t= write them: each word 1*(ALPHA / DIGIT / "-"), or
 * "*" when star.  Returns 0, or -1.
 */
int
tag_list(const char *s, size_t n, int fws, int star)
{
	size_t i = 0, w;

	for (;;) {
		for (w = i; i < n && (is_alnum((unsigned char)s[i]) ||
		    s[i] == '-' || (star && s[i] == '*')); i++)
			continue;
		if (i == w)
			return -1;
		while (i < n && is_wsp((unsigned char)s[i], fws))
			i++;
		if (i == n)
			return 0;
		if (s[i++] != ':')
			return -1;
		while (i < n && is_wsp((unsigned char)s[i], fws))
			i++;
	}
}

/* Zone files. */

int
dnsrec_zone_txt(const char *owner, const char *text, char *buf, size_t size)
{
	struct obuf o;
	char esc[8];
	size_t n = strlen(owner), len = strlen(text), i, k;
	int c;

	ob_init(&o, buf, size);
	ob_puts(&o, owner);
	if (n == 0 || owner[n - 1] != '.')
		ob_putc(&o, '.');
	ob_puts(&o, " IN TXT");
	/* RFC 1035 3.3: a character-string is at most 255 bytes. */
	i = 0;
	do {
		ob_puts(&o, " \"");
		for (k = 0; k < 255 && i < len; k++, i++) {
			c = (unsigned char)text[i];
			if (c == '"' || c == '\\') {
				ob_putc(&o, '\\');
				ob_putc(&o, (char)c);
			} else if (c < 0x20 || c > 0x7e) {
				snprintf(esc, sizeof(esc), "\\%03u",
				    (unsigned)c);
				ob_puts(&o, esc);
			} else
				ob_putc(&o, (char)c);
		}
		ob_putc(&o, '"');
	} while (i < len);
	return ob_end(&o);
}
