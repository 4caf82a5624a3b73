"""Load benchmark: our IRC server against ngircd and two reference fan-out servers.

Run ``python -m app.bench server``; every server and every load generator is its own
process on 127.0.0.1. Standard library only, so the numbers measure the servers, not us.
"""
