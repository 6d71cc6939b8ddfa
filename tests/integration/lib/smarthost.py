"""The set-up the delivery scripts share: a temp dir, a throw-away CA, one
started private Postfix smarthost, and fresh Outpost instances (each with
its own spool) pointed at one of its services.  Test code only.
"""

import os

import ca
import postfix
import util


def start():
    """Skip unless outpost and Postfix are there; start one smarthost.
    Returns the state dict the scripts keep in W (tmp, pki, pf, n)."""
    util.require_outpost()
    postfix.require()
    w = {"tmp": util.temp_dir(), "n": 0}
    w["pki"] = ca.TestPKI(os.path.join(w["tmp"], "pki"))
    w["pf"] = postfix.Postfix(os.path.join(w["tmp"], "pf"), w["pki"])
    w["pf"].start()
    return w


def outpost(w, service="submission", **conf):
    """A fresh Outpost (own spool) pointed at one Postfix service."""
    w["n"] += 1
    d = os.path.join(w["tmp"], "op%d-%s" % (w["n"], service))
    os.makedirs(d)
    return util.Outpost(d, w["pf"].ports[service], w["pki"], **conf)
