# aliasctl: see README.md.  GNU make.
#
#   make            build bin: build/aliasctl
#   make test       install missing Debian packages (as root), build with
#                   ASan/UBSan and run every test suite
#   make demo       compile aliases.example.yaml and show query answers
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        Debian package (debian/, debhelper): built in a copy
#                   of the tree in build/deb/, the .deb placed in build/

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
PKG_CONFIG ?= pkg-config
PKGS	= lmdb yaml-0.1 milter

WARN	= -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	  -Wformat=2 -Wvla -Wundef -Wnull-dereference -Wimplicit-fallthrough
STD	= -std=c11 -D_GNU_SOURCE -pthread
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
OPT	?= -O2 -g
CFLAGS	?=
# CPPFLAGS and LDFLAGS as dpkg-buildflags sets them (hardening), or empty.
CPPFLAGS ?=
LDFLAGS	?=
ALL_CFLAGS = $(STD) $(OPT) $(WARN) $(PKG_CFLAGS) $(CTL_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all
LDLIBS	= $(PKG_LIBS) -pthread

# Modules shared by the programs; each program's main is in its own file.
LIBSRC	= address util log policy pcache aliasfile aliasfile_walk \
	  aliasfile_check aliasfile_diag aliasfile_edit amap compile stats \
	  stats_rec stats_read stats_days stats_senders mapview verdict \
	  maillog update scan sockmap tcptable peer pdp dnsrec dnsrec_spf \
	  dnsrec_dmarc dnsrec_dkim
LIBOBJ	= $(LIBSRC:%=build/%.o)
SANOBJ	= $(LIBSRC:%=build/san/%.o)
UNITS	= $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

.PHONY: all test check demo install uninstall clean deps bench fmt fuzz deb
all: build/aliasctl build/alias-milter build/alias-lookupd

build build/san:
	mkdir -p $@

build/%.o: src/%.c | build
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/san/%.o: src/%.c | build/san
	$(CC) $(ALL_CFLAGS) $(SANFLAGS) -c -o $@ $<

# aliasctl's commands: options and loading, output, edits, import, the
# leak evidence, Postfix's configuration (postfix.c), setup and doctor,
# which read sockets as the daemons spell them (listen.c) and probe
# alias-milter (probe.c), the DNS checks (dns.c the resolver, dnscheck.c
# the rules, dnscmd.c the command), the list of stats files every view
# reads (report_files.c) with the per-day history (history.c), the text
# and JSON helpers of every command that prints (output.c), the HTML
# report (report_html.c the page, report_page.c what it shows, html.c
# escaping and SVG), the Prometheus metrics (metrics.c), and files
# published by rename (outfile.c).
CTLSRC	= aliasctl cli report report_files history output report_html \
	  report_page html metrics outfile evidence edit import postfix setup \
	  doctor listen probe dns dnscheck dnscmd
# Only aliasctl asks DNS: ldns and libpsl are linked into it alone.
CTLPKGS	= ldns libpsl
CTL_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CTLPKGS) 2>/dev/null)
CTL_LIBS := $(shell $(PKG_CONFIG) --libs $(CTLPKGS) 2>/dev/null)

build/aliasctl: $(CTLSRC:%=build/%.o) $(LIBOBJ)
	$(CC) $(OPT) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CTL_LIBS)

build/san/aliasctl: $(CTLSRC:%=build/san/%.o) $(SANOBJ)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CTL_LIBS)

# The daemons read the compiled map only: no YAML, no libyaml.
DAEMONSRC = address util log policy pcache amap stats stats_rec stats_read \
	    stats_days stats_senders mapview verdict daemon listen
LOOKUPDSRC = alias-lookupd lookupd sockmap tcptable pdp peer $(DAEMONSRC)
LOOKUPD_LIBS := $(shell $(PKG_CONFIG) --libs lmdb 2>/dev/null) -pthread
MILTER_LIBS := $(shell $(PKG_CONFIG) --libs lmdb milter 2>/dev/null) -pthread

build/alias-milter: build/alias-milter.o build/milter.o $(DAEMONSRC:%=build/%.o)
	$(CC) $(OPT) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MILTER_LIBS)

build/san/alias-milter: build/san/alias-milter.o build/san/milter.o \
    $(DAEMONSRC:%=build/san/%.o)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(MILTER_LIBS)

build/alias-lookupd: $(LOOKUPDSRC:%=build/%.o)
	$(CC) $(OPT) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LOOKUPD_LIBS)

build/san/alias-lookupd: $(LOOKUPDSRC:%=build/san/%.o)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(LOOKUPD_LIBS)

build/san/test_%.o: tests/unit/test_%.c | build/san
	$(CC) $(ALL_CFLAGS) $(SANFLAGS) -Isrc -c -o $@ $<

build/san/test_%: build/san/test_%.o $(SANOBJ)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The daemons' socket grammar is not in LIBSRC (aliasctl has no sockets).
build/san/test_listen: build/san/listen.o
# postfix.c is aliasctl's alone.
build/san/test_postfix: build/san/postfix.o
# html.c is aliasctl's alone (report --html).
build/san/test_html: build/san/html.o

deps:
	@sh tools/deps test

# The test programs are built with ASan and UBSan; tests/run drives every
# suite and prints "N passed, N failed" at the end.
test check: deps
	$(MAKE) build/san/aliasctl build/san/alias-milter build/san/alias-lookupd \
	    $(UNITS:%=build/san/%)
	sh tests/run build/san
test check: all	# faults.sh and load.sh also run the optimized programs

demo:
	@sh tools/deps build
	$(MAKE) build/aliasctl
	sh tools/demo build/aliasctl

# libFuzzer targets: tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/NAME/.
# "make fuzz" runs each for FUZZTIME seconds (CI: 30) from its seeds,
# which it only reads (new inputs go to build/fuzz/NAME.corpus/);
# findings are left in build/fuzz/NAME-crash-* (see tests/fuzz/run).
FUZZCC	?= clang
FUZZTIME ?= 30
FUZZFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=all
FUZZERS	= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# The library modules plus the lookup daemon's codecs and the report's
# HTML escaping (pure functions).
FUZZSRC	= $(sort $(LIBSRC) $(patsubst src/%.c,%,$(wildcard src/sockmap.c src/tcptable.c \
	  src/html.c)))

build/fuzz:
	mkdir -p $@

# Kept between builds (make would delete them as intermediates), and
# rebuilt when a header changes (-MMD).
.SECONDARY: $(FUZZSRC:%=build/fuzz/%.o)

build/fuzz/%.o: src/%.c | build/fuzz
	$(FUZZCC) $(STD) $(PKG_CFLAGS) $(FUZZFLAGS) -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZSRC:%=build/fuzz/%.o) | build/fuzz
	$(FUZZCC) $(STD) $(PKG_CFLAGS) $(FUZZFLAGS) -MMD -MP -fsanitize=fuzzer -Isrc -o $@ \
	    $(filter %.c %.o,$^) $(LDLIBS)

fuzz: $(FUZZERS:%=build/fuzz/fuzz_%)
	sh tests/fuzz/run $(FUZZTIME) $(FUZZERS)

bench: all
	tools/bench-compile 1000000

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 build/aliasctl $(DESTDIR)$(SBINDIR)/aliasctl
	install -m 0755 build/alias-milter $(DESTDIR)$(SBINDIR)/alias-milter
	install -m 0755 build/alias-lookupd $(DESTDIR)$(SBINDIR)/alias-lookupd
	install -m 0644 man/aliasctl.8 $(DESTDIR)$(MANDIR)/man8/aliasctl.8
	install -m 0644 man/alias-milter.8 $(DESTDIR)$(MANDIR)/man8/alias-milter.8
	install -m 0644 man/alias-lookupd.8 $(DESTDIR)$(MANDIR)/man8/alias-lookupd.8
	install -m 0644 man/aliases.yaml.5 $(DESTDIR)$(MANDIR)/man5/aliases.yaml.5

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/aliasctl $(DESTDIR)$(SBINDIR)/alias-milter \
	    $(DESTDIR)$(SBINDIR)/alias-lookupd $(DESTDIR)$(MANDIR)/man8/alias-lookupd.8 \
	    $(DESTDIR)$(MANDIR)/man8/aliasctl.8 $(DESTDIR)$(MANDIR)/man8/alias-milter.8 \
	    $(DESTDIR)$(MANDIR)/man5/aliases.yaml.5

# The Debian package: dpkg-buildpackage runs in a copy of the tree
# (without build/ and .git) under build/deb/, so the tree stays clean;
# the .deb is copied to build/.  Needs the "deb" packages of tools/deps.
# The package is built with dpkg-buildflags' flags (DEB_CFLAGS_APPEND
# and the like change them), not with the flags given to this make:
# "make CFLAGS=-Werror test" reaches here through the environment.
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
deb:
	@sh tools/deps deb
	rm -rf build/deb
	mkdir -p build/deb/aliasctl-$(DEB_VERSION)
	tar -cf - --exclude=./build --exclude=./.git . | \
	    tar -xf - -C build/deb/aliasctl-$(DEB_VERSION)
	cd build/deb/aliasctl-$(DEB_VERSION) && env -u MAKEFLAGS -u MFLAGS \
	    -u MAKELEVEL -u CFLAGS -u CPPFLAGS -u LDFLAGS -u OPT \
	    dpkg-buildpackage -us -uc -b -Jauto
	cp build/deb/aliasctl_$(DEB_VERSION)_*.deb build/

fmt:
	clang-format -i src/*.c src/*.h tests/unit/*.c

clean:
	rm -rf build

-include $(wildcard build/*.d build/san/*.d build/fuzz/*.d)
