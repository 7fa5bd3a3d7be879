"""Tags every line a Python program prints with the pid that printed it.

mptutor puts this file in a temporary folder on PYTHONPATH for one run of
a lesson's example. Python imports `sitecustomize` when any interpreter
starts, so it runs in the program and in every child started by spawn or
forkserver; a forked child inherits it already installed. All the
processes share one stdout pipe, so mptutor cannot tell from the pipe who
wrote what: each complete line is therefore written as

    \x02mptutor:<pid>:<ppid>\x03<the line>\n

in a single os.write, with the pid read at the moment of writing. mptutor
strips the tag and shows the line beside that pid. Partial lines wait in
the writing process until their newline (or a flush), so lines from two
processes never run together here, even under `python -u`.
"""

import os
import sys


def _tag():
    return "\x02mptutor:%d:%d\x03" % (os.getpid(), os.getppid())


class _PidTaggedStream:
    """Stands in for sys.stdout or sys.stderr; everything else about the
    original stream (encoding, buffer, ...) is still reachable."""

    def __init__(self, fd, original):
        self._fd = fd
        self._original = original
        self._pending = ""

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(
                "write() argument must be str, not %s" % type(text).__name__
            )
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            tag = _tag()
            self._send("".join(tag + line + "\n" for line in complete.split("\n")))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        # Text without its newline yet goes out tagged, so nothing is lost
        # when the process ends; mptutor joins it with the rest of its line.
        if self._pending:
            pending, self._pending = self._pending, ""
            self._send(_tag() + pending)

    def _send(self, text):
        data = text.encode("utf-8", "backslashreplace")
        while data:
            try:
                written = os.write(self._fd, data)
            except OSError:
                return
            data = data[written:]

    def _forget(self):
        self._pending = ""

    def fileno(self):
        return self._fd

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    @property
    def closed(self):
        return False

    @property
    def encoding(self):
        return "utf-8"

    def __getattr__(self, name):
        return getattr(self._original, name)


def _install():
    streams = []
    for name, fd in (("stdout", 1), ("stderr", 2)):
        original = getattr(sys, name, None)
        if original is None or isinstance(original, _PidTaggedStream):
            continue
        stream = _PidTaggedStream(fd, original)
        setattr(sys, name, stream)
        streams.append(stream)

    # A forked child must not print the half line its parent was holding.
    def forget_pending():
        for stream in streams:
            stream._forget()

    os.register_at_fork(after_in_child=forget_pending)


_install()
