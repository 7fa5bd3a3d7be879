"""The Python side of `mptutor bench`.

mptutor writes this file to a temporary folder and runs it with the python3
on PATH, passing the iteration counts and the operations to measure as JSON. It prints raw samples in
microseconds (`samples <operation> <us> <us> ...`); mptutor takes the
medians itself, with the same code as for its own figures. Every process
start uses an explicit context: fork, as mptutor's fork figures do (and
Python's fastest), spawn for the spawn row and forkserver for the
forkserver row (its server starts during the warm-up, as mptutor's does).
"""

import json
import multiprocessing
import platform
import sys
import threading
import time


def noop():
    pass


def square(x):
    return x * x


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    divisor = 3
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 2
    return True


def count_primes(first, end, step):
    return sum(1 for n in range(first, end, step) if is_prime(n))


def shares(parts):
    """mptutor's split: worker k tests the odd numbers 2k+1, 2k+1+2n, ..."""
    return [(2 * k + 1, 2 * parts) for k in range(parts)]


def timed(plan, function, items=1):
    """Runs `function(warm_up)` warm-up + runs times; the measured samples."""
    warmup, runs = plan
    samples = []
    for round_ in range(warmup + runs):
        started = time.perf_counter_ns()
        function(round_ < warmup)
        took = time.perf_counter_ns() - started
        if round_ >= warmup:
            samples.append(took / 1000 / items)
    return samples


def emit(operation, samples):
    print("samples", operation, " ".join("%.3f" % sample for sample in samples), flush=True)


def start_join(context):
    process = context.Process(target=noop)
    process.start()
    process.join()


def thread_start_join():
    thread = threading.Thread(target=noop)
    thread.start()
    thread.join()


def pool_life(context):
    pool = context.Pool(4)
    assert pool.map(square, range(5)) == [0, 1, 4, 9, 16]
    pool.close()
    pool.join()


def count_in_processes(context, limit, parts):
    processes = [
        context.Process(target=count_primes, args=(first, limit, step))
        for first, step in shares(parts)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()


def calibrate(seconds):
    limit = 10_000
    while True:
        started = time.perf_counter()
        count_primes(1, limit, 2)
        took = time.perf_counter() - started
        if took * 4 >= seconds or limit >= 50_000_000:
            return limit if took * 2 >= seconds else limit * 5 // 2
        limit *= 2


def stamper(connection, lines, gap):
    for _ in range(lines):
        connection.send(time.monotonic_ns())
        time.sleep(gap)
    connection.close()


def latencies(context, lines, gap, warmup):
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=stamper, args=(sender, lines, gap))
    child.start()
    sender.close()
    found = []
    while True:
        try:
            stamp = receiver.recv()
        except EOFError:
            break
        found.append((time.monotonic_ns() - stamp) / 1000)
    child.join()
    return found[warmup:]


def main():
    config = json.loads(sys.argv[1])
    fork = multiprocessing.get_context("fork")
    spawn = multiprocessing.get_context("spawn")
    print("version", platform.python_version(), flush=True)
    print("executable", sys.executable, flush=True)

    wanted = set(config["ops"])

    if "process_fork" in wanted:
        emit("process_fork", timed(config["process_fork"], lambda warm: start_join(fork)))
    if "process_spawn" in wanted:
        emit("process_spawn", timed(config["process_spawn"], lambda warm: start_join(spawn)))
    if "process_forkserver" in wanted:
        forkserver = multiprocessing.get_context("forkserver")
        emit(
            "process_forkserver",
            timed(config["process_forkserver"], lambda warm: start_join(forkserver)),
        )
    if "thread" in wanted:
        emit("thread", timed(config["thread"], lambda warm: thread_start_join()))
    if "pool_create_map5_shutdown" in wanted:
        emit(
            "pool_create_map5_shutdown",
            timed(config["pool_create_map5_shutdown"], lambda warm: pool_life(fork)),
        )

    if "pool_round_trip_per_item" in wanted:
        items = config["round_trip_items"]
        with fork.Pool(4) as pool:
            def round_trip(warm):
                count = items // 10 if warm else items
                results = pool.map(square, range(count), chunksize=1)
                assert len(results) == count and results[-1] == (count - 1) ** 2

            emit(
                "pool_round_trip_per_item",
                timed(config["pool_round_trip_per_item"], round_trip, items),
            )

    if "cpu_all_cores" in wanted:
        cores = config["cores"]
        limit = calibrate(config["cpu_seconds"])
        print("cpu_limit", limit, flush=True)
        emit(
            "cpu_one_process",
            timed(config["cpu"], lambda warm: count_in_processes(fork, limit, 1)),
        )
        emit(
            "cpu_all_cores",
            timed(config["cpu"], lambda warm: count_in_processes(fork, limit, cores)),
        )

    if "live_output_latency" in wanted:
        emit(
            "live_output_latency",
            latencies(
                fork,
                config["latency_lines"],
                config["latency_gap_us"] / 1e6,
                config["latency_warmup"],
            ),
        )

if __name__ == "__main__":
    main()
