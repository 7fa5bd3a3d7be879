"""Tags every line a Python program prints with the pid that printed it,
and, for mptutor's X-ray, reports every process, thread and pool task.

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

When `MPTUTOR_XRAY` names a Unix datagram socket, every process of the run
also sends there what it is and what it does, as JSON lines (the records
of mptutor's `src/xray/wire.rs`): the process itself, the role
`multiprocessing` gives it, its threads, the pool tasks it runs, the
children it starts with `subprocess` and those it reaps, the exception
that ended it and its exit code. The
hooks leave the program's behaviour alone: each checks that what it wraps
has the shape it expects on this Python, and otherwise stays off and says
so; an error inside a hook is swallowed; no thread is started and nothing
is printed.

A `sitecustomize` further along sys.path (the student's own, or the
system's) is imported afterwards, as Python would have imported it.
"""

import os
import sys


# Called with each text written to stderr while a `multiprocessing` child
# runs its target (see the X-ray below); None otherwise.
_stderr_watch = None


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
        if _stderr_watch is not None and self._fd == 2:
            _stderr_watch(text)
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


def _stream_id(fd):
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return "%d:%d" % (st.st_dev, st.st_ino)


def _is_mptutors_pipe(fd):
    """True when `fd` is the pipe mptutor reads. The run's first interpreter
    is started on mptutor's pipes and records which they are, for every
    process it starts; an interpreter the program starts itself with its
    own pipes (`subprocess.run(..., capture_output=True)`) writes to the
    program, not to mptutor, and gets its output back untagged, exactly as
    it would without mptutor."""
    key = "MPTUTOR_OUTPUT_%d" % fd
    mine = _stream_id(fd)
    known = os.environ.get(key)
    if known is None:
        if mine is not None:
            os.environ[key] = mine
        return True
    return mine == known


def _install():
    streams = []
    for name, fd in (("stdout", 1), ("stderr", 2)):
        original = getattr(sys, name, None)
        if original is None or isinstance(original, _PidTaggedStream):
            continue
        if not _is_mptutors_pipe(fd):
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


# The X-ray. Everything below does nothing unless MPTUTOR_XRAY is set.
# Heavy modules (socket, json, inspect, multiprocessing itself) are never
# imported here: each would add milliseconds to every interpreter of the
# run, and the hooks into multiprocessing are put in when the program
# itself imports it.

# Pool task records wait for this many, or this long after the first one,
# so a map over 20 000 items costs a few hundred datagrams.
_BATCH_RECORDS = 64
_BATCH_NS = 20000000
# A datagram is at most 64 KiB; a batch stays well under it.
_DATAGRAM_BYTES = 60000
_ARGV_ITEMS = 8
_ARGV_CHARS = 200
_TEXT_CHARS = 300
# How long a send may wait for room in mptutor's queue before the record
# is dropped: the program must never hang on its X-ray.
_SEND_TIMEOUT_S = 1.0


def _json_text(text):
    """`text` as a JSON string, without the json module."""
    text = str(text)[:_TEXT_CHARS]
    if text.isprintable() and '"' not in text and "\\" not in text:
        return '"' + text + '"'
    out = []
    for char in text:
        code = ord(char)
        if char == '"' or char == "\\":
            out.append("\\" + char)
        elif code < 0x20:
            out.append("\\u%04x" % code)
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _json_or_null(text):
    return "null" if text is None else _json_text(text)


class _Channel:
    """The side channel: records as JSON lines, sent as datagrams. Pool
    tasks are batched; everything else goes out at once, after the tasks
    waiting before it."""

    def __init__(self, path, clock, lock_type):
        self.path = path
        self.clock = clock
        self.lock_type = lock_type
        self.lock = lock_type()
        self.sock = None
        self.unreachable = False
        self.pending = []
        self.first_ns = 0

    def send(self, line):
        with self.lock:
            self.pending.append(line)
            self._flush_locked()

    def add_task(self, line, now):
        # No lock: a list's append is atomic, and a flush takes only the
        # records it counted, so one added meanwhile waits for the next.
        pending = self.pending
        if not pending:
            self.first_ns = now
        pending.append(line)
        if len(pending) >= _BATCH_RECORDS or now - self.first_ns >= _BATCH_NS:
            self.flush()

    def flush(self):
        if self.pending:
            with self.lock:
                self._flush_locked()

    def forget_after_fork(self):
        # The lock may have been held by a thread that does not exist in
        # the child.
        self.lock = self.lock_type()
        del self.pending[:]

    def _flush_locked(self):
        # One list for the process's life: a pool worker's hooks hold it.
        count = len(self.pending)
        lines = self.pending[:count]
        del self.pending[:count]
        if not lines:
            return
        data = ("\n".join(lines) + "\n").encode("utf-8", "replace")
        if len(data) <= _DATAGRAM_BYTES:
            self._send_datagram(data)
            return
        data = b""
        for line in lines:
            encoded = (line + "\n").encode("utf-8", "replace")
            if data and len(data) + len(encoded) > _DATAGRAM_BYTES:
                self._send_datagram(data)
                data = b""
            data += encoded
        if data:
            self._send_datagram(data)

    def _send_datagram(self, data):
        for _attempt in (1, 2):
            try:
                if self.sock is None:
                    if self.unreachable:
                        return
                    import _socket

                    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
                    # Connected, so that a full queue at mptutor's end makes
                    # the send wait (poll(2) watches the receiver's queue
                    # only for a connected socket) instead of spinning.
                    try:
                        sock.connect(self.path)
                    except OSError:
                        sock.close()
                        self.unreachable = True
                        return
                    sock.settimeout(_SEND_TIMEOUT_S)
                    self.sock = sock
                self.sock.send(data)
                return
            except OSError as error:
                # The program closed our descriptor (or reused its number):
                # open another once. Anything else (mptutor gone, its queue
                # full for a second) drops the datagram.
                if getattr(error, "errno", None) not in (9, 88, 107):
                    return
                self.sock = None


def _parameters(function):
    """The names of `function`'s parameters, without importing inspect:
    from its code for a Python function, from its text signature for a
    builtin; None when neither says."""
    code = getattr(function, "__code__", None)
    if code is not None:
        return tuple(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    text = getattr(function, "__text_signature__", None)
    if not text:
        return None
    names = []
    for part in text.strip("()").split(","):
        name = part.strip().split("=")[0].strip()
        if name and name not in ("/", "*", "$module", "$self") and not name.startswith("*"):
            names.append(name)
    return tuple(names)


def _has_parameters(function, *shapes):
    if not callable(function):
        return False
    names = _parameters(function)
    return names is not None and any(names[: len(shape)] == shape for shape in shapes)


def _copy_names(wrapper, original):
    # Pickle finds a function by module and name: a spawn child that
    # unpickles `multiprocessing.pool.worker` must get the wrapper.
    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(wrapper, name, getattr(original, name))
        except (AttributeError, TypeError):
            pass
    return wrapper


def _function_name(function):
    inner = getattr(function, "func", None)
    if inner is not None and getattr(function, "keywords", None) is not None:
        function = inner
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None)
    return name if isinstance(name, str) else type(function).__name__


def _error_text(error):
    error = getattr(error, "exc", error)
    try:
        message = str(error)
    except Exception:
        message = ""
    name = type(error).__name__
    return "%s: %s" % (name, message) if message else name


class _Xray:
    """The records of one process, and the hooks that produce them."""

    def __init__(self, path):
        import time
        import _thread

        self.now = time.monotonic_ns
        self.channel = _Channel(path, self.now, _thread.RLock)
        # The whole command line tells what the process is; its records
        # carry the first items of it.
        self.full_command_line = self._read_command_line()
        self.command_line = [
            str(item)[:_ARGV_CHARS] for item in self.full_command_line[:_ARGV_ITEMS]
        ]
        self.pid = os.getpid()
        self.main = False
        # How multiprocessing started this process, as far as it can be
        # told before `_bootstrap`: "fork", "forkserver", "spawn" or None.
        self.started_by = None
        self.exit_code = None
        self.failed = set()
        self.bootstrapping = None

    # Records.

    def _read_command_line(self):
        argv = getattr(sys, "orig_argv", None)
        if not argv:
            try:
                with open("/proc/self/cmdline", "rb") as file:
                    raw = file.read()
                argv = [
                    item.decode("utf-8", "surrogateescape")
                    for item in raw.split(b"\0")[:-1]
                ]
            except OSError:
                argv = list(getattr(sys, "argv", []))
        return [str(item) for item in argv]

    def process(self, how):
        self.channel.send(
            '{"r":"process","pid":%d,"ppid":%d,"t_ns":%d,"how":"%s","argv":[%s]}'
            % (
                self.pid,
                os.getppid(),
                self.now(),
                how,
                ",".join(_json_text(item) for item in self.command_line),
            )
        )

    def role(self, name, role, start_method=None):
        self.channel.send(
            '{"r":"role","pid":%d,"name":%s,"role":"%s","start_method":%s,"t_ns":%d}'
            % (self.pid, _json_text(name), role, _json_or_null(start_method), self.now())
        )

    def hook_off(self, hook, why):
        if hook in self.failed:
            return
        self.failed.add(hook)
        self.channel.send(
            '{"r":"hook_off","pid":%d,"hook":%s,"why":%s}'
            % (self.pid, _json_text(hook), _json_text(why))
        )

    def hook_failed(self, hook, error):
        try:
            self.hook_off(hook, "failed on this Python: %s" % _error_text(error))
        except Exception:
            pass

    # Start-up.

    def start(self):
        self.process("interpreter")
        root = os.environ.get("MPTUTOR_XRAY_ROOT")
        joined = " ".join(self.full_command_line)
        if root is None:
            # The interpreter mptutor started; every process it starts
            # inherits the variable and so knows it is not the main one.
            self.main = True
            os.environ["MPTUTOR_XRAY_ROOT"] = str(self.pid)
            self.role("MainProcess", "main")
        elif "from multiprocessing.forkserver import main" in joined:
            self.role("forkserver", "forkserver")
        elif (
            "from multiprocessing.resource_tracker import main" in joined
            or "from multiprocessing.semaphore_tracker import main" in joined
        ):
            self.role("resource_tracker", "resource_tracker")
        elif "--multiprocessing-fork" in self.full_command_line:
            # A spawn child: `_bootstrap` will say what it is.
            self.started_by = "spawn"
        else:
            self.role(self._script_name(), "other")
        self._hook_process_exit()
        self._hook_reaping()
        self._hook_fork()
        self._hook_imports()

    def _script_name(self):
        argv = getattr(sys, "argv", None) or [""]
        first = str(argv[0])
        if first in ("-c", "-m", ""):
            return ("python " + first).strip()
        return os.path.basename(first)

    def _hook_fork(self):
        register = getattr(os, "register_at_fork", None)
        if register is None:
            self.hook_off("fork", "os.register_at_fork is missing on this Python")
            return
        # Plain functions, not bound methods: the interpreter keeps these
        # until after it has torn its modules down, and 3.8 crashes if an
        # object with a socket in it is freed that late.
        register(before=_flush_before_fork, after_in_child=_after_fork_in_child)

    def after_fork_in_child(self):
        try:
            self.channel.forget_after_fork()
            self.pid = os.getpid()
            self.main = False
            self.exit_code = None
            self.bootstrapping = None
            self.process("fork")
            # The frame that called os.fork() tells a multiprocessing fork
            # from the program's own.
            caller = sys._getframe(2).f_code.co_filename
            folder, file = os.path.split(caller)
            if os.path.basename(folder) == "multiprocessing" and file == "popen_fork.py":
                self.started_by = "fork"
            elif os.path.basename(folder) == "multiprocessing" and file == "forkserver.py":
                self.started_by = "forkserver"
            else:
                self.started_by = None
                self.role("os.fork() child", "other")
        except Exception as error:
            self.hook_failed("fork", error)

    def _hook_process_exit(self):
        real_exit = getattr(os, "_exit", None)
        if not _has_parameters(real_exit, ("status",)):
            self.hook_off("exit", "os._exit has another signature on this Python")
        else:
            xray = self

            def _exit(status):
                try:
                    xray.channel.send(
                        '{"r":"exit","pid":%d,"code":%d,"t_ns":%d}'
                        % (xray.pid, int(status), xray.now())
                    )
                except Exception as error:
                    xray.hook_failed("exit", error)
                real_exit(status)

            os._exit = _copy_names(_exit, real_exit)
        import atexit

        atexit.register(self._at_exit)

    def _at_exit(self):
        try:
            # The main program's status is the keeper's to tell; a spawn
            # child leaves through sys.exit with what `_bootstrap` returned.
            if not self.main and self.exit_code is not None:
                self.channel.send(
                    '{"r":"exit","pid":%d,"code":%d,"t_ns":%d}'
                    % (self.pid, self.exit_code, self.now())
                )
            self.channel.flush()
        except Exception as error:
            self.hook_failed("exit", error)

    def _hook_reaping(self):
        xray = self

        def reaped(child, status):
            if child:
                try:
                    xray.channel.send(
                        '{"r":"reaped","pid":%d,"child":%d,"status":%d,"t_ns":%d}'
                        % (xray.pid, child, status, xray.now())
                    )
                except Exception as error:
                    xray.hook_failed("reaping", error)

        real_waitpid = getattr(os, "waitpid", None)
        if _has_parameters(real_waitpid, ("pid", "options")):

            def waitpid(pid, options):
                result = real_waitpid(pid, options)
                reaped(result[0], result[1])
                return result

            os.waitpid = _copy_names(waitpid, real_waitpid)
        else:
            self.hook_off("reaping", "os.waitpid has another signature on this Python")
        real_wait = getattr(os, "wait", None)
        if _has_parameters(real_wait, ()):

            def wait():
                result = real_wait()
                reaped(result[0], result[1])
                return result

            os.wait = _copy_names(wait, real_wait)
        real_wait4 = getattr(os, "wait4", None)
        if _has_parameters(real_wait4, ("pid", "options")):

            def wait4(pid, options):
                result = real_wait4(pid, options)
                reaped(result[0], result[1])
                return result

            os.wait4 = _copy_names(wait4, real_wait4)

    # Hooks into modules, put in when the program imports them.

    def _hook_imports(self):
        patches = {
            "threading": self._patch_threading,
            "multiprocessing.process": self._patch_process,
            "multiprocessing.pool": self._patch_pool,
            "concurrent.futures.process": self._patch_executor,
            "subprocess": self._patch_subprocess,
        }
        waiting = {}
        for name, patch in patches.items():
            module = sys.modules.get(name)
            if module is not None:
                self._apply(name, patch, module)
            else:
                waiting[name] = patch
        if waiting:
            sys.meta_path.insert(0, _PatchOnImport(self, waiting))

    def _apply(self, name, patch, module):
        try:
            patch(module)
        except Exception as error:
            self.hook_failed(name, error)

    def _patch_threading(self, threading):
        thread = getattr(threading, "Thread", None)
        original = getattr(thread, "_bootstrap_inner", None)
        native_id = getattr(threading, "get_native_id", None)
        if native_id is None or not _has_parameters(original, ("self",)):
            self.hook_off("threads", "threading has no native thread ids on this Python")
            return
        xray = self

        def _bootstrap_inner(self):
            tid = 0
            try:
                tid = native_id()
                xray.channel.send(
                    '{"r":"thread_start","pid":%d,"tid":%d,"name":%s,"t_ns":%d}'
                    % (xray.pid, tid, _json_text(self.name), xray.now())
                )
            except Exception as error:
                xray.hook_failed("threads", error)
            try:
                original(self)
            finally:
                try:
                    xray.channel.send(
                        '{"r":"thread_end","pid":%d,"tid":%d,"t_ns":%d}'
                        % (xray.pid, tid, xray.now())
                    )
                except Exception as error:
                    xray.hook_failed("threads", error)

        thread._bootstrap_inner = _copy_names(_bootstrap_inner, original)

    def _patch_process(self, process):
        base = getattr(process, "BaseProcess", None)
        original = getattr(base, "_bootstrap", None)
        if not _has_parameters(original, ("self", "parent_sentinel"), ("self",)):
            self.hook_off("process", "BaseProcess._bootstrap has another signature on this Python")
            return
        xray = self

        def _bootstrap(self, *args, **kwargs):
            global _stderr_watch
            try:
                xray.role(self.name, _target_role(self), xray._start_method(self))
                xray.bootstrapping = self
                _stderr_watch = xray._watch_stderr
            except Exception as error:
                xray.hook_failed("process", error)
            try:
                code = original(self, *args, **kwargs)
            finally:
                xray.bootstrapping = None
                _stderr_watch = None
            xray.exit_code = code if isinstance(code, int) else None
            return code

        base._bootstrap = _copy_names(_bootstrap, original)

    def _start_method(self, process):
        method = getattr(process, "_start_method", None) or self.started_by
        multiprocessing = sys.modules.get("multiprocessing")
        if method is None and multiprocessing is not None:
            method = multiprocessing.get_start_method(allow_none=True)
        return method

    def _watch_stderr(self, text):
        # `_bootstrap` writes "Process <name>:" and then the traceback of
        # what run() raised, in its except clause: the exception is the
        # one being handled. Catching it ourselves would add a frame to
        # the traceback Python prints.
        try:
            process = self.bootstrapping
            if process is None or text != "Process %s:\n" % process.name:
                return
            error = sys.exc_info()[1]
            if error is not None:
                self.channel.send(
                    '{"r":"exception","pid":%d,"error":%s,"t_ns":%d}'
                    % (self.pid, _json_text(_error_text(error)), self.now())
                )
        except Exception as error:
            self.hook_failed("exception", error)

    def _patch_pool(self, pool):
        global _MAP_RUNNERS
        original = getattr(pool, "worker", None)
        if not _has_parameters(original, ("inqueue", "outqueue")):
            self.hook_off("pool", "multiprocessing.pool.worker has another signature on this Python")
            return
        _MAP_RUNNERS = tuple(
            runner
            for runner in (getattr(pool, "mapstar", None), getattr(pool, "starmapstar", None))
            if runner is not None
        )
        xray = self

        def worker(inqueue, outqueue, *args, **kwargs):
            inqueue, outqueue = _watched_queues(xray, inqueue, outqueue, _pool_task, _pool_result)
            try:
                return original(inqueue, outqueue, *args, **kwargs)
            finally:
                xray.channel.flush()

        pool.worker = _copy_names(worker, original)

    def _patch_executor(self, executor):
        original = getattr(executor, "_process_worker", None)
        if not _has_parameters(original, ("call_queue", "result_queue")):
            self.hook_off(
                "executor",
                "concurrent.futures.process._process_worker has another signature on this Python",
            )
            return
        xray = self

        def _process_worker(call_queue, result_queue, *args, **kwargs):
            call_queue, result_queue = _watched_queues(
                xray, call_queue, result_queue, _executor_task, _executor_result
            )
            try:
                return original(call_queue, result_queue, *args, **kwargs)
            finally:
                xray.channel.flush()

        executor._process_worker = _copy_names(_process_worker, original)


    def _patch_subprocess(self, subprocess):
        # A child that runs another program sends no records, and one that
        # ends within a few milliseconds may come and go between two looks
        # at /proc: its parent says when it started it, and what.
        popen = getattr(subprocess, "Popen", None)
        original = getattr(popen, "_execute_child", None)
        if not _has_parameters(original, ("self", "args")):
            self.hook_off(
                "subprocess", "subprocess.Popen._execute_child has another signature on this Python"
            )
            return
        xray = self

        def _execute_child(self, args, *rest, **kwargs):
            started = xray.now()
            original(self, args, *rest, **kwargs)
            try:
                xray.channel.send(
                    '{"r":"spawned","pid":%d,"child":%d,"program":%s,"t_ns":%d}'
                    % (xray.pid, self.pid, _json_text(_program_name(args)), started)
                )
            except Exception as error:
                xray.hook_failed("subprocess", error)

        popen._execute_child = _copy_names(_execute_child, original)


def _program_name(args):
    """The program a `Popen` runs, as its command name: the last part of
    the first word of its arguments."""
    if isinstance(args, (str, bytes)):
        words = args.split()
        first = words[0] if words else args
    else:
        first = list(args)[0]
    first = os.fsdecode(os.fspath(first))
    return os.path.basename(first) or first


def _target_role(process):
    target = getattr(process, "_target", None)
    module = getattr(target, "__module__", None)
    name = getattr(target, "__qualname__", None)
    if (module, name) in (
        ("multiprocessing.pool", "worker"),
        ("concurrent.futures.process", "_process_worker"),
    ):
        return "pool_worker"
    if module == "multiprocessing.managers" and str(name).endswith("._run_server"):
        return "manager"
    return "process"


def _pool_task(task):
    """The student's function (the object: its name is looked up once)
    and how many inputs, for a Pool task `(job, i, func, args, kwds)`: a
    map chunk runs `mapstar` over `(func, chunk)`."""
    func = task[2]
    if func in _MAP_RUNNERS:
        inner, chunk = task[3][0]
        return inner, len(chunk)
    return func, 1


# `multiprocessing.pool.mapstar` and `starmapstar`, once that module is
# patched.
_MAP_RUNNERS = ()


def _pool_result(item):
    """The error of a Pool result `(job, i, (ok, value))`, None when it
    returned."""
    ok, value = item[2]
    return None if ok else _error_text(value)


def _executor_task(call_item):
    """For an executor's `_CallItem`: `map` sends chunks as
    `partial(_process_chunk, fn=...)` (or with `fn` as its first argument)
    over `(chunk,)`."""
    fn = call_item.fn
    if getattr(getattr(fn, "func", None), "__name__", None) == "_process_chunk":
        inner = (getattr(fn, "keywords", None) or {}).get("fn")
        if inner is None and getattr(fn, "args", None):
            inner = fn.args[0]
        return inner, len(call_item.args[0])
    return fn, 1


def _executor_result(item):
    exception = getattr(item, "exception", None)
    return None if exception is None else _error_text(exception)


class _QueueView:
    """A pool queue as its worker sees it: everything is the queue's but
    the one method (`get` or `put`) set on the instance."""

    def __init__(self, queue):
        self._queue = queue

    def __getattr__(self, name):
        return getattr(self._queue, name)


def _watched_queues(xray, task_queue, result_queue, describe_task, describe_result):
    """Views of a worker's two queues that time each task: from taking it
    off `task_queue` to handing its result to `result_queue`. The worker
    calls these once per task, so they are closures over what they need,
    and the only system call they add is a poll(2) of the task queue."""
    channel = xray.channel
    now = xray.now
    pending = channel.pending
    take_task = task_queue.get
    current = [None]
    # The JSON of each function's record up to its inputs, made once per
    # function object (kept with it, so its id stays its own).
    prefixes = {}
    poller = []

    def work_waiting():
        # Whether a task waits in the queue; True when that cannot be told.
        try:
            if not poller:
                import select

                poller.append(select.poll())
                poller[0].register(task_queue._reader.fileno(), select.POLLIN)
            return bool(poller[0].poll(0))
        except Exception as error:
            xray.hook_failed("pool tasks", error)
            return True

    def flush_if_idle():
        # A worker with no work waiting sends what it holds: the pool may
        # be about to end it (`Pool.terminate` sends SIGTERM as soon as
        # the last result is in).
        if not work_waiting():
            channel.flush()

    def get(*args, **kwargs):
        # Records wait only while work does: a worker about to block sends
        # them first (the last hand-over found work waiting, but another
        # worker may have taken it since).
        if pending:
            flush_if_idle()
        task = take_task(*args, **kwargs)
        if task is not None:
            start = now()
            try:
                function, items = describe_task(task)
                known = prefixes.get(id(function))
                if known is None:
                    known = prefixes[id(function)] = (
                        function,
                        '{"r":"task","pid":%d,"function":%s,'
                        % (xray.pid, _json_text(_function_name(function))),
                    )
                current[0] = (known[1], items, start)
            except Exception as error:
                current[0] = None
                xray.hook_failed("pool tasks", error)
        return task

    def put(item, *args, **kwargs):
        task = current[0]
        if task is not None:
            current[0] = None
            end = now()
            try:
                # A result that cannot be pickled fails in `put` after
                # this: the function itself returned.
                error = describe_result(item)
                if error is None:
                    line = '%s"items":%d,"start_ns":%d,"end_ns":%d,"ok":true,"error":null}' % (
                        task[0],
                        task[1],
                        task[2],
                        end,
                    )
                else:
                    line = '%s"items":%d,"start_ns":%d,"end_ns":%d,"ok":false,"error":%s}' % (
                        task[0],
                        task[1],
                        task[2],
                        end,
                        _json_text(error),
                    )
                # `channel.add_task` and `flush_if_idle`, in one: a full
                # batch, an old one, or no work waiting sends it, before
                # the result.
                if not pending:
                    channel.first_ns = end
                pending.append(line)
                if (
                    len(pending) >= _BATCH_RECORDS
                    or end - channel.first_ns >= _BATCH_NS
                    or not work_waiting()
                ):
                    channel.flush()
            except Exception as error:
                xray.hook_failed("pool tasks", error)
        return result_queue.put(item, *args, **kwargs)

    tasks_view, results_view = _QueueView(task_queue), _QueueView(result_queue)
    tasks_view.get = get
    results_view.put = put
    return tasks_view, results_view


class _PatchOnImport:
    """A meta path finder that lets the usual finders find a watched
    module, then patches the module once its code has run."""

    def __init__(self, xray, waiting):
        self.xray = xray
        self.waiting = waiting

    def find_spec(self, name, path=None, target=None):
        patch = self.waiting.get(name)
        if patch is None:
            return None
        try:
            spec = None
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    break
            loader = getattr(spec, "loader", None)
            exec_module = getattr(loader, "exec_module", None)
            if exec_module is None or isinstance(loader, type):
                return None
            del self.waiting[name]
            xray = self.xray

            def patched_exec_module(module):
                try:
                    exec_module(module)
                finally:
                    loader.__dict__.pop("exec_module", None)
                xray._apply(name, patch, module)

            # On this one loader object only: the module's `__loader__` and
            # `__spec__` stay what they would have been.
            loader.exec_module = patched_exec_module
            return spec
        except Exception as error:
            self.xray.hook_failed(name, error)
            return None


# This process's X-ray, once started.
_xray = None


def _flush_before_fork():
    if _xray is not None:
        _xray.channel.flush()


def _after_fork_in_child():
    if _xray is not None:
        _xray.after_fork_in_child()


def _start_xray():
    global _xray
    path = os.environ.get("MPTUTOR_XRAY")
    if not path:
        return
    try:
        _xray = _Xray(path)
        _xray.start()
    except Exception:
        pass


def _import_next_sitecustomize():
    """Imports the `sitecustomize` Python would have imported without
    this one: the next on sys.path. Its errors reach Python's own report
    ("Error in sitecustomize"), as they would have."""
    here = os.path.dirname(os.path.abspath(__file__))
    folders = [
        folder
        for folder in sys.path
        if os.path.abspath(folder or os.curdir) != here
    ]
    bootstrap = sys.modules.get("_frozen_importlib")
    external = sys.modules.get("_frozen_importlib_external")
    if bootstrap is None or external is None:
        return
    spec = external.PathFinder.find_spec("sitecustomize", folders)
    if spec is None or spec.loader is None:
        return
    module = bootstrap.module_from_spec(spec)
    ours = sys.modules.get("sitecustomize")
    sys.modules["sitecustomize"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if ours is not None:
            sys.modules["sitecustomize"] = ours
        raise


_start_xray()
_import_next_sitecustomize()
