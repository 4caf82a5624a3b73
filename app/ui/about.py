"""Help → About Chatbox: the version, and the libraries that ship with it and their licences."""

from __future__ import annotations

import html
import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from app import __version__


@dataclass(frozen=True)
class Component:
    name: str
    distribution: str  # the package whose version is shown ("" for none)
    licence: str
    url: str
    note: str = ""


BUNDLED = (
    Component("Qt", "", "LGPL-3.0", "https://www.qt.io/licensing/",
              "GUI, networking and SQL; used as shared libraries, replaceable"),
    Component("PySide6 (Qt for Python) and shiboken6", "PySide6-Essentials", "LGPL-3.0",
              "https://doc.qt.io/qtforpython-6/licenses.html"),
    Component("cryptography", "cryptography", "Apache-2.0 OR BSD-3-Clause",
              "https://github.com/pyca/cryptography", "with OpenSSL (Apache-2.0)"),
    Component("cffi", "cffi", "MIT-0", "https://github.com/python-cffi/cffi"),
    Component("pycparser", "pycparser", "BSD-3-Clause", "https://github.com/eliben/pycparser"),
    Component("scramp", "scramp", "MIT-0", "https://codeberg.org/tlocke/scramp",
              "SASL SCRAM-SHA-256"),
    Component("asn1crypto", "asn1crypto", "MIT", "https://github.com/wbond/asn1crypto"),
    Component("keyring", "keyring", "MIT", "https://github.com/jaraco/keyring",
              "account passwords in the system keyring"),
    Component("SecretStorage", "SecretStorage", "BSD-3-Clause",
              "https://github.com/mitya57/secretstorage"),
    Component("jeepney", "jeepney", "MIT", "https://gitlab.com/takluyver/jeepney"),
    Component("jaraco.classes, jaraco.context, jaraco.functools, more-itertools", "", "MIT",
              "https://github.com/jaraco", "used by keyring"),
    Component("zeroconf", "zeroconf", "LGPL-2.1-or-later",
              "https://github.com/python-zeroconf/python-zeroconf", "chats on this network"),
    Component("ifaddr", "ifaddr", "MIT", "https://github.com/pydron/ifaddr"),
    Component("Python", "", "PSF-2.0", "https://docs.python.org/3/license.html"),
)


def component_version(component: Component) -> str:
    if component.name == "Qt":
        return qVersion()
    if component.name == "Python":
        return platform.python_version()
    if component.distribution == "PySide6-Essentials":
        return pyside_version
    if not component.distribution:
        return ""
    try:
        return version(component.distribution)
    except PackageNotFoundError:  # a frozen build may leave the metadata out
        return ""


def credits_html() -> str:
    """The table of bundled components (our own text only: no wire data)."""
    rows = []
    for c in BUNDLED:
        note = f"<br><small>{html.escape(c.note)}</small>" if c.note else ""
        rows.append(
            f"<tr><td><a href='{c.url}'>{html.escape(c.name)}</a>{note}</td>"
            f"<td>{html.escape(component_version(c))}</td><td>{html.escape(c.licence)}</td></tr>"
        )
    return (
        "<table cellspacing='0' cellpadding='3' width='100%'>"
        "<tr><th align='left'>Component</th><th align='left'>Version</th>"
        "<th align='left'>Licence</th></tr>" + "".join(rows) + "</table>"
    )


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Chatbox")
        self.setAccessibleName("About Chatbox")
        self.heading = QLabel(
            f"<h2>Chatbox {html.escape(__version__)}</h2>"
            "<p>A desktop group chat with a bundled IRC server. MIT licence.</p>"
        )
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Chatbox version")
        self.credits = QTextBrowser()
        self.credits.setAccessibleName("Bundled libraries and their licences")
        self.credits.setOpenExternalLinks(True)
        self.credits.setHtml(
            "<p>Chatbox ships with these libraries, under their own licences. The LGPL ones "
            "are used unmodified as separate libraries, which you may replace with your own "
            "builds.</p>" + credits_html()
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.credits, 1)
        layout.addWidget(buttons)
        self.resize(560, 520)
