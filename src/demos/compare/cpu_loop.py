import platform
import resource
import sys
import threading
import time
import multiprocessing


def work(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fastest(run, cpu):
    # The faster of two runs: its wall time and the CPU time `cpu` saw.
    best = None
    for _ in range(2):
        cpu_before, start = cpu(), time.perf_counter()
        run()
        wall, used = time.perf_counter() - start, cpu() - cpu_before
        if best is None or wall < best[0]:
            best = (wall, used)
    return best


def together(kind, n):
    workers = [kind(target=work, args=(n,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def report(name, timing):
    print(name + "_wall", timing[0])
    print(name + "_cpu", timing[1])


if __name__ == "__main__":
    gil = getattr(sys, "_is_gil_enabled", None)
    print("version", platform.python_version())
    print("gil_enabled", gil() if gil else True)
    print("start_method", multiprocessing.get_start_method())
    sys.stdout.flush()
    if sys.argv[1] == "probe":
        sys.exit(0)
    target = float(sys.argv[1])
    # Sized by CPU time, so a busy machine still gives each run its share
    # of work.
    n = 50_000
    while True:
        start = time.process_time()
        work(n)
        took = time.process_time() - start
        if took >= 0.04 or n >= 1 << 30:
            break
        n *= 2
    n = max(1, int(n * target / max(took, 1e-6)))
    print("loop", n)
    report("one", fastest(lambda: work(n), time.process_time))
    report("threads", fastest(lambda: together(threading.Thread, n), time.process_time))
    # A first process starts whatever the start method needs (a fork
    # server), so the timed ones start as they always will.
    together(multiprocessing.Process, 1)
    report("processes", fastest(lambda: together(multiprocessing.Process, n), children_cpu))
