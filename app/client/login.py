"""Logging in to an account while registering: SASL (SCRAM-SHA-256, or PLAIN over TLS), or
creating the account first with REGISTER (draft/account-registration).

The connection owns one :class:`Login` and talks to it through three callbacks: send a line
at once, give up with words (the connection says QUIT and closes), and tell that we are
logged in. The connection still decides when registration ends (CAP END goes out here only
once the login is done).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scramp import ScramClient, ScramException

from app.protocol.message import Message, format_line
from app.protocol.sasl import Reassembler, SaslError, encode, plain

log = logging.getLogger("chatbox.client")

LOGIN_COMMANDS = frozenset(
    {"AUTHENTICATE", "900", "902", "903", "904", "905", "906", "REGISTER", "FAIL"}
)

REGISTER_WORDS = {
    "ACCOUNT_EXISTS": "That account name is taken. Choose another, or log in to it.",
    "BAD_ACCOUNT_NAME": "That account name cannot be used (it follows the rules of a nickname).",
    "WEAK_PASSWORD": "The server finds that password too weak: {text}",
    "UNACCEPTABLE_PASSWORD": "The server cannot take that password: {text}",
    "ALREADY_AUTHENTICATED": "You are already logged in.",
    "TEMPORARILY_UNAVAILABLE": "The server cannot create accounts right now; try later.",
}


@dataclass(frozen=True)
class Account:
    """Log in as ``name`` (SASL), or with ``create`` make the account first (REGISTER)."""

    name: str
    password: str
    create: bool = False


class Login:
    """The account side of one registration (see the module docstring)."""

    def __init__(
        self,
        send: Callable[[str], None],
        give_up: Callable[[str], None],
        logged_in: Callable[[str], None],
    ) -> None:
        self._send = send
        self._give_up = give_up
        self._logged_in = logged_in
        self.account: Account | None = None
        self.logged_in_as = ""
        self._sasl: ScramClient | str | None = None  # the exchange in progress
        self._sasl_in = Reassembler()

    def reset(self, account: Account | None) -> None:
        """A new connection that logs in to ``account`` (None: no login)."""
        self.account = account
        self.logged_in_as = ""
        self._sasl = None

    def required_cap(self, offered: Mapping[str, str]) -> str | None:
        """The capability the login needs ("" without an account), or None when the server
        does not offer it: then we gave up, in words."""
        if self.account is None:
            return ""
        needed = "draft/account-registration" if self.account.create else "sasl"
        if needed not in offered:
            self._give_up(
                "This server does not let you create accounts."
                if self.account.create
                else "This server has no accounts (it offers no SASL login). "
                "Leave the account empty to join without one."
            )
            return None
        return needed

    def after_caps(self, offered: Mapping[str, str], tls: bool) -> None:
        """Capabilities agreed: log in (or create the account) first, then CAP END."""
        account = self.account
        if account is None:
            self._send("CAP END")
        elif account.create:
            line = format_line(None, "REGISTER", (account.name, "*", account.password),
                               trailing=True)
            self._send(line)
        else:
            self._start_sasl(account, offered.get("sasl", "").split(","), tls)

    def handle(self, msg: Message, *, registering: bool) -> None:
        """One of :data:`LOGIN_COMMANDS` from the server."""
        if msg.command == "AUTHENTICATE":
            self._on_authenticate(msg)
        elif msg.command in ("REGISTER", "FAIL"):
            self._on_register_reply(msg, registering)
        else:
            self._on_login_numeric(msg, registering)

    def _start_sasl(self, account: Account, mechanisms: list[str], tls: bool) -> None:
        if "SCRAM-SHA-256" in mechanisms or mechanisms == [""]:
            self._sasl = ScramClient(["SCRAM-SHA-256"], account.name, account.password)
            self._send("AUTHENTICATE SCRAM-SHA-256")
        elif "PLAIN" in mechanisms and tls:
            self._sasl = "PLAIN"
            self._send("AUTHENTICATE PLAIN")
        elif "PLAIN" in mechanisms:
            self._give_up(
                "This server only takes passwords in the clear (SASL PLAIN) and this "
                "connection is not encrypted. Turn on TLS to log in."
            )
        else:
            known = ",".join(mechanisms)
            self._give_up(f"This server offers no login method Chatbox knows ({known}).")

    def _on_authenticate(self, msg: Message) -> None:
        """One step of the SASL exchange (the server's AUTHENTICATE)."""
        try:
            payload = self._sasl_in.feed(msg.param(0) or "+")
        except SaslError:
            self._give_up("The server's login messages made no sense.")
            return
        if payload is None or self.account is None:
            return
        out: bytes | None
        sasl = self._sasl
        try:
            if sasl == "PLAIN":
                out = plain(self.account.name, self.account.password)
            elif isinstance(sasl, ScramClient):
                text = payload.decode("utf-8", "replace")
                if not text:
                    out = sasl.get_client_first().encode()
                elif text.startswith("e="):
                    return  # the server refused (e=invalid-proof): its 904 follows
                elif text.startswith("r="):
                    sasl.set_server_first(text)
                    out = sasl.get_client_final().encode()
                else:  # v=…: the server proves it knew the password too
                    sasl.set_server_final(text)
                    out = b""
            else:
                return
        except ScramException as exc:
            log.info("SCRAM failed: %s", exc)
            self._send("AUTHENTICATE *")
            self._give_up("Login failed: wrong account name or password.")
            return
        for chunk in encode(out):
            self._send(f"AUTHENTICATE {chunk}")

    def _on_login_numeric(self, msg: Message, registering: bool) -> None:
        code = msg.command
        if code == "900":
            self.logged_in_as = msg.param(2)
            self._logged_in(self.logged_in_as)
        elif code == "903" and registering:
            self._sasl = None
            self._send("CAP END")
        elif code in ("902", "904", "905", "906") and registering:
            said = msg.params[-1] if msg.params else ""
            if "try again" in said:
                text = f"Login refused: {said.partition(': ')[2] or said}."
            elif code == "902":
                text = "Login failed: that account is locked."
            else:
                text = "Login failed: wrong account name or password."
            self._give_up(text)

    def _on_register_reply(self, msg: Message, registering: bool) -> None:
        if msg.command == "REGISTER" and msg.param(0) == "SUCCESS":
            self.logged_in_as = self.logged_in_as or msg.param(1)
            if registering:
                self._send("CAP END")
        elif msg.command == "FAIL" and msg.param(0) == "REGISTER":
            code, text = msg.param(1), msg.params[-1] if msg.params else ""
            words = REGISTER_WORDS.get(code, "The server would not create the account: {text}")
            self._give_up(words.format(text=text))
