#!/usr/bin/python3
"""A stand-in for a RoSys robot's control loop, for bench/standin.go.

RoSys cannot be installed here from its registry, so this reproduces, with
the standard library of Debian's python3 only, what a RoSys robot does on
its one asyncio event loop (written from reading zauberzeug/rosys, none of
its code copied):

* the control step is a repeater as rosys.on_repeat(step, 0.01) runs it:
  first wait one interval, then forever: note the time, call the handler
  (awaiting it if it returns an awaitable), and sleep interval − elapsed
  with asyncio.sleep (or sleep(0) when the step took longer), so lateness
  is relative and accumulates, as in RoSys;
* the step reads the serial port as RoSys's RobotHardware.update does
  from its own 100 Hz repeater: all bytes available (non-blocking), split
  into lines, Lizard's XOR checksum checked, "core" words parsed to floats;
* 100 modules persist as RoSys's Persistable: request_backup() sets a
  flag; each module has its own repeater (backup_check_interval, 10 s by
  default) that, if the flag is set, writes
  Path.write_text(json.dumps(backup_to_dict())) in place, without fsync;
  RoSys runs that in NiceGUI's run.io_bound (a thread pool), --on-loop
  runs it on the event loop itself, as older RoSys versions did;
* automatic garbage collection is off and gc.collect() runs every 60 s,
  as rosys.py sets up.

It prints one JSON object: the monotonic time of every control step (ns),
the CPU time of the loop's thread and of the whole process (ns), and
counts of lines, bad lines and backups written.
"""

import argparse
import asyncio
import concurrent.futures
import functools
import gc
import json
import math
import os
import sys
import termios
import time
import tty
from pathlib import Path


async def rosys_sleep(seconds):
    # rosys.sleep outside tests at simulation speed 1.
    count = int(math.ceil(seconds))
    if count > 0:
        for _ in range(count):
            await asyncio.sleep(seconds / count)
    else:
        await asyncio.sleep(0)


async def invoke(handler):
    result = handler()
    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
        result = await result
    return result


async def repeat(handler, interval, stop):
    await rosys_sleep(interval)  # RoSys delays the first run by one interval
    while not stop.is_set():
        start = time.time()
        await invoke(handler)
        dt = time.time() - start
        await rosys_sleep(interval - dt)


class Module:
    """A persistable module: 'text' of a given size, as the Go load's."""

    def __init__(self, path, size, pool, on_loop):
        self.text = 'x' * size
        self.path = path
        self.pool = pool
        self.on_loop = on_loop
        self.needs_backup = False
        self.writes = 0

    def request_backup(self):
        self.needs_backup = True

    def backup_to_dict(self):
        return {'text': self.text}

    def sync_backup(self):
        self.path.write_text(json.dumps(self.backup_to_dict()))
        self.needs_backup = False
        self.writes += 1

    async def backup_if_requested(self):
        if self.needs_backup:
            if self.on_loop:
                self.sync_backup()
            else:
                await asyncio.get_running_loop().run_in_executor(self.pool, self.sync_backup)


def checked(line):
    # Lizard's checksum: XOR of the bytes before '@', as two hex digits.
    if len(line) < 3 or line[-3] != '@':
        return None
    cs = 0
    for c in line[:-3].encode():
        cs ^= c
    try:
        if int(line[-2:], 16) != cs:
            return None
    except ValueError:
        return None
    return line[:-3]


def with_checksum(cmd):
    cs = 0
    for c in cmd.encode():
        cs ^= c
    return f'{cmd}@{cs:02x}\n'


class Robot:
    def __init__(self, fd, ticks):
        self.fd = fd
        self.buffer = ''
        self.ticks = ticks
        self.lines = 0
        self.bad = 0
        self.values = []

    def step(self):
        self.ticks.append(time.monotonic_ns())
        if self.fd is None:
            return
        try:
            self.buffer += os.read(self.fd, 65536).decode(errors='replace')
        except BlockingIOError:
            pass
        while '\n' in self.buffer:
            raw, self.buffer = self.buffer.split('\n', 1)
            line = checked(raw.rstrip('\r'))
            if line is None:
                self.bad += 1
                continue
            words = line.split()
            if words and words[0] == 'core':
                self.lines += 1
                self.values = [float(w) if w not in ('true', 'false') else w == 'true' for w in words[1:]]


async def main(args):
    gc.disable()
    stop = asyncio.Event()
    pool = concurrent.futures.ThreadPoolExecutor()  # as NiceGUI's run.io_bound
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    modules = [Module(directory / f'm{i:03d}.json', args.size, pool, args.on_loop) for i in range(args.modules)]
    fd = None
    if args.serial:
        fd = os.open(args.serial, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(fd, termios.TCSANOW)
        os.write(fd, with_checksum('core.output("core.millis wheels.linear_speed:3 wheels.angular_speed:3 estop.active")').encode())
    ticks = []
    robot = Robot(fd, ticks)

    def request_all():
        for m in modules:
            m.request_backup()

    def collect():
        gc.collect()

    tasks = [asyncio.create_task(repeat(robot.step, args.period, stop)),
             asyncio.create_task(repeat(request_all, args.request_every, stop)),
             asyncio.create_task(repeat(collect, 60, stop))]
    tasks += [asyncio.create_task(repeat(m.backup_if_requested, args.check_every, stop)) for m in modules]
    cpu0, proc0 = time.thread_time_ns(), time.process_time_ns()
    await asyncio.sleep(args.duration + args.period)  # the first step runs one period late
    loop_cpu, proc_cpu = time.thread_time_ns() - cpu0, time.process_time_ns() - proc0
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    pool.shutdown(wait=True)
    json.dump({'ticks_ns': ticks, 'loop_cpu_ns': loop_cpu, 'process_cpu_ns': proc_cpu,
               'lines': robot.lines, 'bad_lines': robot.bad, 'backups': sum(m.writes for m in modules),
               'python': sys.version.split()[0]}, sys.stdout)


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--dir', required=True)
    p.add_argument('--period', type=float, default=0.01)
    p.add_argument('--duration', type=float, default=30)
    p.add_argument('--modules', type=int, default=100)
    p.add_argument('--size', type=int, default=64 << 10)
    p.add_argument('--request-every', type=float, default=0.1)
    p.add_argument('--check-every', type=float, default=10)
    p.add_argument('--on-loop', action='store_true')
    p.add_argument('--serial', default='')
    asyncio.run(main(p.parse_args()))
