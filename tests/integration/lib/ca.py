"""Throw-away certificate authorities for the integration tests.

Builds, with the `openssl` command line tool in a private directory, a
trusted test CA with a server certificate for "localhost", a second CA the
client never trusts, and a certificate for the wrong name.  Never touches
the system trust store.
"""

import hashlib
import os
import ssl
import subprocess


def _openssl(args, cwd):
    """Run openssl quietly; raise with its stderr when it fails."""
    proc = subprocess.run(["openssl"] + args, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" %
                           (args[0], proc.stderr.decode(errors="replace")))


class Cert:
    """One leaf certificate: file paths plus its pins."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    def der(self):
        with open(self.cert) as f:
            return ssl.PEM_cert_to_DER_cert(f.read())

    def sha256_pin(self):
        """'sha256:HEX' over the DER certificate."""
        return "sha256:" + hashlib.sha256(self.der()).hexdigest()

    def spki_pin(self, workdir):
        """'sha256:HEX' over the DER SubjectPublicKeyInfo."""
        spki = os.path.join(workdir, os.path.basename(self.cert) + ".spki")
        _openssl(["x509", "-in", self.cert, "-noout", "-pubkey", "-out",
                  spki + ".pem"], workdir)
        _openssl(["pkey", "-pubin", "-in", spki + ".pem", "-outform", "DER",
                  "-out", spki], workdir)
        with open(spki, "rb") as f:
            return "sha256:" + hashlib.sha256(f.read()).hexdigest()


class CA:
    """A self-signed CA that can issue server certificates."""

    def __init__(self, workdir, name):
        self.dir = workdir
        self.name = name
        self.cert = os.path.join(workdir, name + "-ca.pem")
        self.key = os.path.join(workdir, name + "-ca.key")
        _openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", self.key, "-out", self.cert, "-days", "2",
                  "-subj", "/CN=Outpost test CA " + name,
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                 workdir)

    def issue(self, leaf, cn, sans):
        """Issue a server certificate `leaf` for `cn` with SAN list
        (e.g. ["DNS:localhost", "IP:127.0.0.1"])."""
        key = os.path.join(self.dir, leaf + ".key")
        csr = os.path.join(self.dir, leaf + ".csr")
        crt = os.path.join(self.dir, leaf + ".pem")
        ext = os.path.join(self.dir, leaf + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=%s\n" % ",".join(sans))
        _openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", key, "-out", csr, "-subj", "/CN=" + cn],
                 self.dir)
        _openssl(["x509", "-req", "-in", csr, "-CA", self.cert,
                  "-CAkey", self.key, "-CAcreateserial", "-out", crt,
                  "-days", "2", "-extfile", ext], self.dir)
        # Postfix reads the key as root before dropping privileges, but
        # aiosmtpd runs as whoever starts it: keep the key private anyway.
        os.chmod(key, 0o600)
        return Cert(crt, key)


    def issue_dated(self, leaf, cn, sans, start, end):
        """Like issue(), with an explicit validity window (openssl ca
        times, "YYYYMMDDHHMMSSZ"): for expired / not yet valid certs."""
        key = os.path.join(self.dir, leaf + ".key")
        csr = os.path.join(self.dir, leaf + ".csr")
        crt = os.path.join(self.dir, leaf + ".pem")
        db = os.path.join(self.dir, self.name + "-db")
        os.makedirs(db, exist_ok=True)
        index = os.path.join(db, "index.txt")
        if not os.path.exists(index):
            open(index, "w").close()
            with open(os.path.join(db, "serial"), "w") as f:
                f.write("1000\n")
        cfg = os.path.join(self.dir, leaf + ".cnf")
        with open(cfg, "w") as f:
            f.write("[ca]\ndefault_ca = d\n[d]\n"
                    "database = %s\nserial = %s\nnew_certs_dir = %s\n"
                    "certificate = %s\nprivate_key = %s\n"
                    "default_md = sha256\npolicy = p\n"
                    "unique_subject = no\ncopy_extensions = none\n"
                    "x509_extensions = ext\n"
                    "[p]\ncommonName = supplied\n"
                    "[ext]\nbasicConstraints = CA:FALSE\n"
                    "keyUsage = digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage = serverAuth\n"
                    "subjectAltName = %s\n" % (
                        index, os.path.join(db, "serial"), db, self.cert,
                        self.key, ",".join(sans)))
        _openssl(["req", "-new", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                  "-out", csr, "-subj", "/CN=" + cn], self.dir)
        _openssl(["ca", "-batch", "-config", cfg, "-notext", "-startdate",
                  start, "-enddate", end, "-in", csr, "-out", crt],
                 self.dir)
        os.chmod(key, 0o600)
        return Cert(crt, key)


class TestPKI:
    """Everything the TLS tests need, created once per test directory:

    ca            trusted CA (give ca.cert to the client as tls_ca_file)
    good          "localhost" (DNS:localhost, IP:127.0.0.1) from `ca`
    wrong_name    "wrong.example" from `ca` (trusted chain, wrong name)
    untrusted     "localhost" from a second CA nobody trusts
    expired       "localhost" from `ca`, valid only in January 2020
    not_yet_valid "localhost" from `ca`, valid only from 2099
    """

    def __init__(self, workdir):
        os.makedirs(workdir, exist_ok=True)
        self.dir = workdir
        self.ca = CA(workdir, "good")
        self.other_ca = CA(workdir, "other")
        self.good = self.ca.issue("localhost", "localhost",
                                  ["DNS:localhost", "IP:127.0.0.1"])
        self.wrong_name = self.ca.issue("wrongname", "wrong.example",
                                        ["DNS:wrong.example"])
        self.untrusted = self.other_ca.issue("untrusted", "localhost",
                                             ["DNS:localhost",
                                              "IP:127.0.0.1"])
        local = ["DNS:localhost", "IP:127.0.0.1"]
        self.expired = self.ca.issue_dated(
            "expired", "localhost", local, "20200101000000Z",
            "20200201000000Z")
        self.not_yet_valid = self.ca.issue_dated(
            "notyet", "localhost", local, "20990101000000Z",
            "20990201000000Z")

    def client_context(self):
        """An ssl.SSLContext trusting only the test CA (for smlib checks)."""
        ctx = ssl.create_default_context(cafile=self.ca.cert)
        return ctx
