"""Real mail and calendar servers for the capture tests, started once per test session.

Dovecot (Debian's ``dovecot-imapd``) runs as an unprivileged process from a
configuration in a temporary folder, on a free port, with a passwd-file and maildirs
there; without the binary its tests are skipped. Radicale (PyPI) serves CalDAV on a
free port from a temporary storage folder.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient

from core.capture.calendar import CalendarAccount
from core.capture.mail import MailAccount

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
PASSWORD = "right-horse-battery"
USERS = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError("the test server did not start") from None
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}")


@dataclass
class Dovecot:
    """A running Dovecot: add a user, then reach their mailbox."""

    root: Path
    port: int
    users: Iterator[int] = field(default_factory=itertools.count)

    def mailbox(self) -> MailAccount:
        """A mail user of their own (an empty maildir) and how kam reaches it."""
        user = f"ann{next(self.users)}@kam.example"
        return MailAccount(
            host="127.0.0.1", user=user, password=PASSWORD, port=self.port, tls=False
        )

    def client(self, account: MailAccount) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(account.user, account.password)
        return client


def _dovecot_config(root: Path, port: int) -> Path:
    if os.geteuid() == 0:  # as root, mail belongs to an unprivileged user
        mail_user = pwd.getpwnam("nobody")
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
        internal = "default_internal_user = nobody\ndefault_login_user = nobody\n"
    else:
        uid, gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(uid).pw_name
        internal = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
    (root / "mail").mkdir()
    # Users are written before the server starts: it may not see a file changed within
    # the second it last read it.
    (root / "passwd").write_text(
        "".join(f"ann{n}@kam.example:{{PLAIN}}{PASSWORD}::::::\n" for n in range(USERS)),
        encoding="utf-8",
    )
    if os.geteuid() == 0:
        os.chown(root / "mail", uid, gid)
        root.chmod(0o755)
    config = root / "dovecot.conf"
    config.write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{internal}protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
""",
        encoding="utf-8",
    )
    return config


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Dovecot on a free port from a temporary folder, until the block ends (the tests'
    fixture and ``bench/capture.py`` both use it)."""
    assert DOVECOT is not None, "Dovecot is not installed (apt-get install dovecot-imapd)"
    # Not under pytest's own temporary folder: as root that is private (0700), and
    # Dovecot's unprivileged processes must reach their files.
    root = Path(tempfile.mkdtemp(prefix="kam-dovecot-"))
    port = free_port()
    config = _dovecot_config(root, port)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)])
    try:
        _wait_for(port, process)
        yield Dovecot(root, port)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole test session (skipped where it is not installed)."""
    if DOVECOT is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    with running_dovecot() as server:
        yield server


@dataclass
class Radicale:
    """A running Radicale; the user ``ann`` (password :data:`PASSWORD`) has calendars."""

    url: str
    calendars: Iterator[int] = field(default_factory=itertools.count)

    def calendar(self) -> CalendarAccount:
        """A new empty calendar of ann's, and how kam reaches it."""
        import caldav

        client = caldav.DAVClient(url=self.url, username="ann", password=PASSWORD, timeout=10)
        made = client.principal().make_calendar(name="Work", cal_id=f"work{next(self.calendars)}")
        return CalendarAccount(url=str(made.url), user="ann", password=PASSWORD)

    def put(self, calendar: CalendarAccount, ics: str) -> None:
        """Store (or replace, by its UID) one event in the calendar."""
        import caldav

        client = caldav.DAVClient(url=calendar.url, username="ann", password=PASSWORD, timeout=10)
        client.calendar(url=calendar.url).save_event(ics)


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """One Radicale for the whole test session, any user and password accepted."""
    root = tmp_path_factory.mktemp("radicale")
    port = free_port()
    (root / "users").write_text(f"ann:{PASSWORD}\n", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(root / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(root / "users"),
            "--auth-htpasswd-encryption",
            "plain",
            "--auth-delay",
            "0",
            "--rights-type",
            "owner_only",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
        yield Radicale(f"http://127.0.0.1:{port}/")
    finally:
        process.terminate()
        process.wait(timeout=10)


class DroppingProxy:
    """A TCP relay to a server that drops both sides once the client has sent
    ``after`` commands containing ``word``: a server gone in the middle of a run."""

    def __init__(self, target: int, word: bytes, after: int) -> None:
        self.target, self.word, self.after = target, word, after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.seen = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        client, _ = self.listener.accept()
        server = socket.create_connection(("127.0.0.1", self.target))

        def pump(src: socket.socket, dst: socket.socket, watch: bool) -> None:
            try:
                while data := src.recv(65536):
                    if watch and self.word in data:
                        self.seen += 1
                        if self.seen >= self.after:
                            break
                    dst.sendall(data)
            except OSError:
                pass
            for s in (client, server):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pump, args=(server, client, False), daemon=True).start()
        pump(client, server, True)

    def close(self) -> None:
        self.listener.close()
