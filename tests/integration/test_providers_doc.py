#!/usr/bin/python3
"""Every ```conf block of docs/PROVIDERS.md and README.md is a config the
real loader accepts and that works: each is written out with only the
smarthost pointed at a local stand-in server (the fault server, in the
snippet's own TLS mode: STARTTLS, implicit TLS, or STARTTLS offering only
XOAUTH2/OAUTHBEARER), the test CA added, and the secret source replaced by
a local one of the same kind; then `outpost doctor` must pass and report
the AUTH mechanism the snippet asks for.  The provider host names
themselves must still parse in the unchanged snippet.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import faultsrv                 # noqa: E402

W = {}
TOKEN = "ya29.providers-doc-test-token"
HELPER = "#!/bin/sh\necho '%s'\n"


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))


def blocks(relpath):
    """The ```conf blocks of a file: a list of lists of (key, value)."""
    with open(os.path.join(util.source_dir(), relpath)) as f:
        text = f.read()
    out = []
    for body in re.findall(r"^```conf\n(.*?)^```", text, re.S | re.M):
        pairs = []
        for line in body.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition(" ")
                pairs.append((key, value.strip()))
        out.append(pairs)
    return out


def scenario_for(conf):
    if conf.get("auth") in ("xoauth2", "oauthbearer") or re.search(
            r"XOAUTH2|OAUTHBEARER", conf.get("auth_mechanisms", ""), re.I):
        return "oauth"
    return "implicit_ok" if conf.get("tls") == "implicit" else "raw_ok"


def expected_mech(conf):
    if conf.get("auth") in ("xoauth2", "oauthbearer"):
        return conf["auth"].upper()
    for m in conf.get("auth_mechanisms", "").split():
        if m.upper() in ("PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"):
            return m.upper()        # the first the stand-in offers
    return "PLAIN"                  # ours: the first the stand-in offers


def rewrite(pairs, port, d):
    """The snippet with only the server (unless port is None), CA and
    secret made local."""
    helper = os.path.join(d, "secret-helper")
    with open(helper, "w") as f:
        f.write(HELPER % TOKEN)
    os.chmod(helper, 0o700)
    pwfile = os.path.join(d, "pw")
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("s3cret-Pa55\n")
    local = {"tls_ca_file": W["pki"].ca.cert,
             "password_command": helper, "password_file": pwfile}
    if port is not None:
        local["smarthost"] = "127.0.0.1:%d" % port
    lines = ["%s %s" % (k, local.get(k, v)) for k, v in pairs]
    keys = [k for k, _ in pairs]
    if "tls_ca_file" not in keys:
        lines.append("tls_ca_file %s" % W["pki"].ca.cert)
    lines += ["tls_server_name localhost", "spool %s" % os.path.join(
        d, "spool"), "lint off"]
    return "\n".join(lines) + "\n"


def check_snippet(where, i, pairs):
    conf = dict(pairs)
    assert "smarthost" in conf and "user" in conf and "from" in conf, \
        (where, i, pairs)
    d = os.path.join(W["tmp"], "%s-%d" % (os.path.basename(where), i))
    sc = scenario_for(conf)
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"], sc,
                               user=conf["user"], password=TOKEN)
    op = util.Outpost(os.path.join(d, "client"))
    # With the provider's own host name, only the local files swapped in:
    # mailq loads the whole file and warns about any delivery problem.
    with open(op.config_path, "w") as f:
        f.write(rewrite(pairs, None, op.dir))
    p = op.run(["mailq"])
    assert p.returncode == 0 and p.stderr == b"", (where, i, p.stderr)
    with open(op.config_path, "w") as f:
        f.write(rewrite(pairs, srv.port, op.dir))
    p = op.run(["doctor"])
    out = (p.stdout + p.stderr).decode(errors="replace")
    assert p.returncode == 0, (where, i, sc, out)
    want = "with %s" % expected_mech(conf)
    assert want in out, (where, i, want, out)
    assert TOKEN not in out
    return sc


def test_providers_snippets():
    got = blocks("docs/PROVIDERS.md")
    # kernel.org, Gmail, Microsoft 365, Fastmail, self-hosted Postfix.
    assert len(got) >= 5, got
    hosts = [dict(b)["smarthost"] for b in got]
    for h in ("mail.kernel.org", "smtp.gmail.com", "smtp.office365.com",
              "smtp.fastmail.com"):
        assert any(x.startswith(h + ":") for x in hosts), (h, hosts)
    used = {check_snippet("PROVIDERS.md", i, b) for i, b in enumerate(got)}
    # Every kind of stand-in was needed: OAuth, implicit TLS, STARTTLS.
    assert used == {"oauth", "implicit_ok", "raw_ok"}, used


def test_readme_oauth_example():
    got = blocks("README.md")
    oauth = [b for b in got if dict(b).get("auth") in ("xoauth2",
                                                        "oauthbearer")]
    assert oauth, "README has no OAuth config example"
    for i, b in enumerate(got):
        check_snippet("README.md", i, b)


if __name__ == "__main__":
    util.run_tests([
        test_providers_snippets,
        test_readme_oauth_example,
    ], setup=setup)
