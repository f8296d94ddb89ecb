"""docs/directives.md against the directive table of the C code
(mp_directives[] in mod_marketpulse/mp_directives.c): every directive has a
section in the form of Apache's module docs, and the summary tables of
the page and the README list it; nothing is documented that does not
exist; every section's example passes apachectl configtest."""
import os
import re
import subprocess

import pytest

from conftest import ROOT, STACK

CONFIG_C = os.path.join(ROOT, "mod_marketpulse", "mp_directives.c")
DIRECTIVES_MD = os.path.join(ROOT, "docs", "directives.md")
README = os.path.join(ROOT, "README.md")
FIELDS = ("Description", "Syntax", "Default", "Context", "Module")
# What Apache's docs call the places each req_override of the table allows
CONTEXTS = {"RSRC_CONF": "server config, virtual host",
            "ACCESS_CONF": "directory"}


def directives_in_code():
    """name -> req_override, from the AP_INIT_* entries of the table."""
    with open(CONFIG_C) as f:
        text = f.read()
    table = text[text.index("const command_rec mp_directives[]"):]
    return {m.group(1): m.group(2) for m in re.finditer(
        r'AP_INIT_\w+\(\s*"(\w+)",[^;]*?\b([A-Z_]+_CONF)\b', table)}


def sections():
    """name -> (fields, example) of each '## MarketPulse...' section."""
    with open(DIRECTIVES_MD) as f:
        text = f.read()
    found = {}
    for m in re.finditer(r"^## (MarketPulse\w*)\n(.*?)(?=^## |\Z)", text,
                         re.S | re.M):
        body = m.group(2)
        fields = dict(re.findall(r"^\| (\w+) \| (.*) \|$", body, re.M))
        example = re.search(r"Example:\n\n```apache\n(.*?)```", body, re.S)
        found[m.group(1)] = (fields, example and example.group(1))
    return found


def summary_names(path):
    with open(path) as f:
        return set(re.findall(r"^\| \[?`(MarketPulse\w*)", f.read(), re.M))


def test_every_directive_has_a_section_and_no_section_is_extra():
    assert set(sections()) == set(directives_in_code())


@pytest.mark.parametrize("name", sorted(directives_in_code()))
def test_section_is_in_apaches_form(name):
    fields, example = sections()[name]
    for field in FIELDS:
        assert fields.get(field), "%s: no %s" % (name, field)
    assert fields["Syntax"].startswith("`%s" % name), fields["Syntax"]
    assert fields["Default"].startswith("`%s " % name) \
        or fields["Default"].startswith("none"), fields["Default"]
    assert fields["Context"] == CONTEXTS[directives_in_code()[name]]
    assert fields["Module"] == "mod_marketpulse"
    assert example and name in example, "%s: no example using it" % name


def test_summary_tables_list_every_directive():
    names = set(directives_in_code())
    assert summary_names(DIRECTIVES_MD) == names
    assert summary_names(README) == names


def test_every_example_passes_configtest(stack):
    """All the examples in one configuration (the docs page's at the
    directory npm installed, where an installed Apache has it; the
    pepper in a file of the test's)."""
    pepper = os.path.join(stack.run_dir, "examples-pepper")
    with open(os.open(pepper, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              "w") as f:
        f.write("e" * 64)
    examples = "\n".join(ex for _, ex in sections().values()).replace(
        "/usr/share/marketpulse/swagger-ui-dist",
        os.path.join(ROOT, "node_modules", "swagger-ui-dist")).replace(
        "/etc/apache2/marketpulse-pepper", pepper)
    h = stack.httpd("directive-examples", extra_conf=examples)
    r = subprocess.run(["sh", STACK, "httpd-configtest"], env=h.env(),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
