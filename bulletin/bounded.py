"""Parse an upload in a child process with a memory and a time limit: a hostile file costs a
refusal, never the caller's worker.

    from bulletin.bounded import parse_bytes_bounded
    from bulletin.limits import Limits, TooLarge
    try:
        issue = parse_bytes_bounded(data, filename="x.pdf", limits=Limits(pages=40))
    except TooLarge as error:      # error.limit ("pages", "memory", "seconds", …), error.status 413/422
        ...
    except ParseError as error:    # not a bulletin, broken file, … (400)
        ...

The child is started with multiprocessing's "spawn" (a fresh interpreter: nothing of the
caller's threads, locks or open database is inherited), sets RLIMIT_AS to `limits.memory_mb`
and RLIMIT_CPU to the time limit, and sends back the Issue or the error. The parent waits at
most `limits.seconds`, then kills it. Structural limits (pages, items, …) are checked inside by
`bulletin.parse_bytes` itself, so the child usually refuses long before memory or time run out.
"""

import multiprocessing
import resource
import time

from bulletin.limits import DEFAULT_LIMITS, TooLarge
from bulletin.errors import ParseError

START_METHOD = "spawn"
SPAWN_SECONDS = 10.0  # allowance on top of limits.seconds for the child's interpreter to start


def parse_bytes_bounded(data, filename=None, content_type=None, limits=None):
    """`parse_bytes_bounded(upload, filename="a.pdf")` -> Issue, or TooLarge / ParseError."""
    limits = limits or DEFAULT_LIMITS
    if len(data) > limits.bytes:  # no child for what is refused by its length alone
        from bulletin.limits import check_size
        check_size(data, limits)
    context = multiprocessing.get_context(START_METHOD)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, data, filename, content_type, limits),
                            daemon=True)
    started = time.monotonic()
    child.start()
    sender.close()
    try:
        deadline = started + limits.seconds + SPAWN_SECONDS
        if not receiver.poll(max(deadline - time.monotonic(), 0)):
            raise TooLarge("seconds", f"读取超时（超过 {limits.seconds:g} 秒），文件过大或过于复杂。")
        try:
            status, payload = receiver.recv()
        except (EOFError, OSError):  # the child died: killed by a limit (memory or CPU time)
            child.join(5)
            raise _death(child.exitcode, limits)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if status == "ok":
        return payload
    if status == "too_large":
        raise TooLarge(*payload)
    raise ParseError(payload)


def _death(exitcode, limits):
    if exitcode is not None and exitcode < 0 and -exitcode in (24,):  # SIGXCPU
        return TooLarge("seconds", f"读取超时（超过 {limits.seconds:g} 秒），文件过大或过于复杂。")
    return TooLarge("memory", f"读取时内存超过上限（{limits.memory_mb} MB），文件过大或过于复杂。")


def _child(sender, data, filename, content_type, limits):
    """In the child: limit memory and CPU, parse, send ("ok", Issue) or the refusal."""
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        from bulletin import parse_bytes
        result = ("ok", parse_bytes(data, filename=filename, content_type=content_type, limits=limits))
    except TooLarge as error:
        result = ("too_large", (error.limit, str(error)))
    except ParseError as error:
        result = ("error", str(error))
    except MemoryError:
        result = ("too_large", ("memory", f"读取时内存超过上限（{limits.memory_mb} MB），文件过大或过于复杂。"))
    except RecursionError:
        result = ("too_large", ("json_depth", "文件结构嵌套过深，无法读取。"))
    except Exception as error:  # a bug must still answer, not hang the caller
        result = ("error", f"无法读取文件（{type(error).__name__}）。")
    try:
        sender.send(result)
    except MemoryError:
        sender.send(("too_large", ("memory", f"读取时内存超过上限（{limits.memory_mb} MB）。")))
    finally:
        sender.close()
