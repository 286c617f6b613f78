# fsimctl: the test harness's handle on a node's simulator: apply a scenario section (JSON on stdin),
# print the state, and own what the FUSE daemon cannot do itself: tmpfs mounts standing in for
# filesystems on maps, and processes holding devices open.
import json
import os
import signal
import subprocess
import sys
import time

EXTRAS = '/var/lib/fleetsweep-sim/multipath/extras.json'


def _load_extras():
    try:
        with open(EXTRAS) as f:
            return json.load(f)
    except FileNotFoundError:
        return {'openers': [], 'mounts': []}


def _save_extras(x):
    os.makedirs(os.path.dirname(EXTRAS), exist_ok=True)
    with open(EXTRAS + '.tmp', 'w') as f:
        json.dump(x, f)
    os.replace(EXTRAS + '.tmp', EXTRAS)


def _mounted(target):
    with open('/proc/self/mounts') as f:
        return any(line.split()[1] == target for line in f if len(line.split()) > 1)


def teardown():
    """Stops the openers and unmounts the mounts of the previous apply (waits: an opener's FUSE
    handle is released only when the process is gone)."""
    x = _load_extras()
    for pid in x['openers']:
        try:
            # after a container restart the pid may belong to anything: kill only our sleeper
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                if f.read() == b'sleep\0infinity\0':
                    os.kill(pid, signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError):
            pass
    deadline = time.time() + 5
    for pid in x['openers']:
        while time.time() < deadline:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            if not os.path.exists(f'/proc/{pid}') or open(f'/proc/{pid}/stat').read().split()[2] == 'Z':
                break
            time.sleep(0.02)
    for target in reversed(x['mounts']):
        if _mounted(target):
            subprocess.run(['umount', '-l', target], check=False)
    _save_extras({'openers': [], 'mounts': []})


def setup(spec):
    """Mounts (mountfs.py: the device path as the mount source) and openers of the scenario."""
    x = {'openers': [], 'mounts': []}
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for m in spec.get('mounts', []):
        os.makedirs(m['target'], exist_ok=True)
        if not _mounted(m['target']):
            subprocess.Popen([sys.executable, '-m', 'mpsim.mountfs', m['source'], m['target']], cwd=here,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, env={**os.environ, 'PYTHONPATH': here})
            deadline = time.time() + 10
            while not _mounted(m['target']):
                if time.time() > deadline:
                    raise SystemExit(f'fsimctl: could not mount {m["source"]} on {m["target"]}')
                time.sleep(0.02)
        x['mounts'].append(m['target'])
    for o in spec.get('openers', []):
        # `exec 3<DEV` in a shell that becomes `sleep`: the holder is an ordinary process with fd 3
        # on the device, as `fuser`/`ls -l /proc/*/fd` show it.
        p = subprocess.Popen(['sh', '-c', 'exec sleep infinity 3<"$0"', o['device']], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 5
        while not os.path.exists(f'/proc/{p.pid}/fd/3'):
            if p.poll() is not None or time.time() > deadline:
                raise SystemExit(f'fsimctl: could not hold {o["device"]} open')
            time.sleep(0.01)
        x['openers'].append(p.pid)
    _save_extras(x)
    return x


def fsimctl(args):
    from .cli import call
    cmd = args[0] if args else ''
    if cmd == 'apply':
        spec = json.load(sys.stdin)
        teardown()
        resp = call({'op': 'apply', 'spec': spec})
        if not resp['ok']:
            sys.stderr.write(f'fsimctl: {resp["error"]}\n')
            return 2
        x = setup(spec)
        print(json.dumps({'ok': True, 'openers': x['openers'], 'mounts': x['mounts']}))
        return 0
    if cmd == 'teardown':
        teardown()
        return 0
    if cmd in ('get', 'ping'):
        resp = call({'op': cmd})
        if cmd == 'get':
            resp['openers'] = _load_extras()['openers']
        print(json.dumps(resp, indent=1, sort_keys=True))
        return 0 if resp['ok'] else 1
    if cmd in ('delete', 'scan', 'reload') and len(args) >= 1:
        req = {'delete': lambda: {'op': 'delete', 'dev': args[1]},
               'scan': lambda: {'op': 'scan', 'host': args[1].removeprefix('host'), 'text': ' '.join(args[2:]) or '- - -'},
               'reload': lambda: {'op': 'reload'}}[cmd]()
        resp = call(req)
        print(json.dumps(resp))
        return 0 if resp['ok'] else 1
    sys.stderr.write('usage: fsimctl apply <spec.json | get | ping | teardown | delete DEV | scan HOST [C T L] | reload\n')
    return 2
