# mod_marketpulse: build with apxs, run a local stack, run the tests.
#   make            build mod_marketpulse.so (CC=clang works too)
#   make install    install it into this machine's Apache with apxs
#   make install-docs  copy Swagger UI (node_modules/swagger-ui-dist, from
#                   `npm ci`) to DOCSDIR, for MarketPulseDocs (the docs page)
#   make run        install missing packages, start PostgreSQL, Redis and
#                   httpd under ./run with demo data (MP_PORT, default 8080)
#   make stop       stop what `make run` started
#   make test       unit and integration tests, and a short deterministic
#                   run of each fuzz target, ending "N passed, N failed"
#   make unit       the cmocka unit tests alone (t/unit)
#   make fuzz       each libFuzzer target of the parsers for FUZZ_SECONDS
#                   (default 60), in turn (t/fuzz; needs clang)
#   make test-asan  the same tests with AddressSanitizer and UBSan: the unit
#                   tests and mod_marketpulse-asan.so (httpd runs with the
#                   runtimes preloaded); any sanitizer report fails the run
#   make test-long  the long runs CI makes after `make test`: test-asan,
#                   each fuzz target for a minute, the load tests at 120 s
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
LIBS      = -lpq -ljansson -lhiredis -lcrypto

.PHONY: all install install-docs run stop test test-asan test-long unit unit-asan fuzz integration \
        bench clean deps

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

# The sanitized build, for `make test-asan`.  It compiles a copy of the
# sources in $(ASAN_DIR): apxs leaves its objects beside the sources it is
# given, and the normal build's are left alone.  Linked with the runtimes
# too, so an httpd that did not preload them refuses the module at once.
SANITIZE    = -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
ASAN_MODULE = mod_marketpulse-asan.so
ASAN_DIR    = .asan-build

$(ASAN_MODULE): $(ALL_SRC) $(HEADERS)
	rm -rf $(ASAN_DIR) && mkdir -p $(ASAN_DIR)
	tar -cf - $(ALL_SRC) $(HEADERS) | tar -xf - -C $(ASAN_DIR)
	cd $(ASAN_DIR) && $(APXS) -S CC="$(CC)" -c -o mod_marketpulse.la \
	    -Wc,"$(WARNINGS) -std=gnu11 -O1 $(SANITIZE)" -Wl,"$(SANITIZE)" \
	    -I$(SRCDIR) -I$(PG_INC) $(LIBS) $(ALL_SRC)
	cp $(ASAN_DIR)/.libs/mod_marketpulse.so $@.tmp && mv -f $@.tmp $@

install: $(MODULE)
	$(APXS) -i -n marketpulse $(MODULE)

# The docs page's assets, from the package npm installed (package-lock.json
# pins its version); MarketPulseDocs names DOCSDIR.
DOCSDIR ?= /usr/share/marketpulse/swagger-ui-dist
SWAGGER_UI = node_modules/swagger-ui-dist

install-docs:
	@test -f $(SWAGGER_UI)/swagger-ui-bundle.js || { echo "no $(SWAGGER_UI):" \
	    "run npm ci --omit=dev --ignore-scripts first"; exit 1; }
	mkdir -p $(DESTDIR)$(DOCSDIR)
	cp -R $(SWAGGER_UI)/. $(DESTDIR)$(DOCSDIR)/

deps:
	sh scripts/install-deps.sh

run: deps $(MODULE)
	sh scripts/stack.sh start
	sh scripts/demo.sh

stop:
	sh scripts/stack.sh stop

test: deps
	sh scripts/test.sh

# CC goes along: for a module that names no sanitizer runtime the stack
# preloads that compiler's
test-asan: deps
	CC="$(CC)" MP_ASAN=1 sh scripts/test.sh

test-long: deps
	CC="$(CC)" sh scripts/test-long.sh

unit:
	$(MAKE) -C t/unit run

unit-asan:
	$(MAKE) -C t/unit run BIN=bin-asan SANITIZE="$(SANITIZE)"

fuzz:
	$(MAKE) -C t/fuzz fuzz

bench: $(MODULE)
	sh scripts/bench.sh

clean:
	rm -rf $(MODULE) mod_marketpulse.la .libs $(GENERATED) \
	    $(ASAN_MODULE) $(ASAN_DIR) \
	    $(SRCDIR)/*.lo $(SRCDIR)/*.slo $(SRCDIR)/*.o $(SRCDIR)/.libs \
	    $(SRCDIR)/*/*.lo $(SRCDIR)/*/*.slo $(SRCDIR)/*/*.o $(SRCDIR)/*/.libs
	$(MAKE) -C t/unit clean
	$(MAKE) -C t/unit clean BIN=bin-asan
	$(MAKE) -C t/fuzz clean
