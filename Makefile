# mod_marketpulse: build with apxs, run a local stack, run the tests.
#   make            build mod_marketpulse.so (CC=clang works too)
#   make install    install it into this machine's Apache with apxs
#   make run        install missing packages, start PostgreSQL, Redis and
#                   httpd under ./run with demo data (MP_PORT, default 8080)
#   make stop       stop what `make run` started
#   make test       unit and integration tests, and a short deterministic
#                   run of each fuzz target, ending "N passed, N failed"
#   make unit       the cmocka unit tests alone (t/unit)
#   make fuzz       each libFuzzer target of the parsers for FUZZ_SECONDS
#                   (default 60), in turn (t/fuzz; needs clang)
#   make bench      scripts/bench.sh (wrk on loopback)

APXS     ?= apxs
CC       ?= cc
WARNINGS  = -Wall -Wextra -Werror
MODULE    = mod_marketpulse.so
SRCDIR    = mod_marketpulse
SOURCES   = $(wildcard $(SRCDIR)/*.c) $(wildcard $(SRCDIR)/api/*.c) \
            $(wildcard $(SRCDIR)/queries/*.c)
GENERATED = $(SRCDIR)/mp_openapi_doc.c $(SRCDIR)/mp_migrations.c
MIGRATIONS = $(wildcard sql/migrations/*.sql)
ALL_SRC   = $(filter-out $(GENERATED),$(SOURCES)) $(GENERATED)
HEADERS   = $(wildcard $(SRCDIR)/*.h) $(wildcard $(SRCDIR)/*/*.h)
PG_INC   := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
LIBS      = -lpq -ljansson -lhiredis

.PHONY: all install run stop test unit fuzz integration bench clean deps

all: $(MODULE)

$(SRCDIR)/mp_openapi_doc.c: docs/openapi.json scripts/embed-json.sh
	sh scripts/embed-json.sh mp_openapi_doc < docs/openapi.json > $@.tmp
	mv $@.tmp $@

# (the directory too: a migration added or removed changes the list)
$(SRCDIR)/mp_migrations.c: $(MIGRATIONS) sql/migrations scripts/embed-migrations.sh
	sh scripts/embed-migrations.sh sql/migrations > $@.tmp
	mv $@.tmp $@

# apxs compiles and links through libtool; the .so lands in .libs/.
$(MODULE): $(ALL_SRC) $(HEADERS)
	$(APXS) -S CC="$(CC)" -c -o mod_marketpulse.la \
	    -Wc,"$(WARNINGS) -std=gnu11" -I$(SRCDIR) -I$(PG_INC) $(LIBS) $(ALL_SRC)
	@# a new file, not an overwrite: a running httpd maps the old one
	cp .libs/mod_marketpulse.so $@.tmp && mv -f $@.tmp $@

install: $(MODULE)
	$(APXS) -i -n marketpulse $(MODULE)

deps:
	sh scripts/install-deps.sh

run: deps $(MODULE)
	sh scripts/stack.sh start
	sh scripts/demo.sh

stop:
	sh scripts/stack.sh stop

test: deps
	sh scripts/test.sh

unit:
	$(MAKE) -C t/unit run

fuzz:
	$(MAKE) -C t/fuzz fuzz

bench: $(MODULE)
	sh scripts/bench.sh

clean:
	rm -rf $(MODULE) mod_marketpulse.la .libs $(GENERATED) \
	    $(SRCDIR)/*.lo $(SRCDIR)/*.slo $(SRCDIR)/*.o $(SRCDIR)/.libs \
	    $(SRCDIR)/*/*.lo $(SRCDIR)/*/*.slo $(SRCDIR)/*/*.o $(SRCDIR)/*/.libs
	$(MAKE) -C t/unit clean
	$(MAKE) -C t/fuzz clean
