# The stand-in CLIs (multipath, multipathd, dmsetup) and fsimctl: parse the real tools' arguments,
# ask the simulator daemon for its state or a change, print what multipath-tools/dmsetup print.
import json
import os
import socket
import sys

from . import render
from .model import find_dm, find_map

SOCK = '/run/fleetsweep-sim/multipath.sock'


class Down(Exception):
    pass


def call(req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(SOCK)
    except OSError as e:
        raise Down(f'the multipath simulator is not running ({e.strerror}); start it with fsim-start') from e
    with s, s.makefile('rwb') as f:
        f.write((json.dumps(req) + '\n').encode())
        f.flush()
        return json.loads(f.readline())


def _log(verbosity, level, msg):
    if verbosity >= level:
        sys.stderr.write(render.log_prefix() + msg + '\n')


def multipath(args):
    cmd, ref, verbosity = 'create', None, 2
    it = iter(args)
    for a in it:
        if a in ('-ll', '-l'):
            cmd = 'list-long' if a == '-ll' else 'list-short'
        elif a in ('-f', '-F', '-r'):
            cmd = {'-f': 'flush', '-F': 'flush-all', '-r': 'reload'}[a]
            if a == '-f':
                ref = next(it, None)
        elif a.startswith('-v'):
            verbosity = int(a[2:] or next(it, '2'))
        elif a in ('-d', '-i', '-q', '-W', '-B'):
            continue
        elif a.startswith('-'):
            sys.stderr.write(f'multipath: invalid option -- \'{a.lstrip("-")[:1]}\'\n')
            return 1
        else:
            ref = a
    if cmd == 'flush' and not ref:
        sys.stderr.write('multipath: option requires an argument -- \'f\'\n')
        return 1
    snap = call({'op': 'get'})
    st = snap['state']
    if cmd.startswith('list'):
        names = sorted(st['maps'])
        if ref:
            m = find_map(st, ref)
            if not m:
                return 1
            names = [m['name']]
        out, err = render.multipath_ll(st, names, short=cmd == 'list-short')
        if verbosity >= 2:
            sys.stderr.write(err)
        sys.stdout.write(out if verbosity >= 1 else ''.join(n + '\n' for n in names))
        return 0
    if cmd in ('flush', 'flush-all'):
        refs = [ref] if cmd == 'flush' else sorted(st['maps'])
        rc = 0
        for r in refs:
            resp = call({'op': 'flush', 'ref': r})
            if not resp['ok']:
                _log(verbosity, 0 if 'not a multipath' in resp['error'] else 2, resp['error'])
                rc = 1
        return rc
    resp = call({'op': 'reload'})
    st = call({'op': 'get'})['state']
    for action, names in (('create', resp['created']), ('reload', resp['reloaded'] if cmd == 'reload' else [])):
        for n in names:
            out, _ = render.multipath_ll(st, [n], action=action)
            sys.stdout.write(out if verbosity >= 2 else n + '\n' if verbosity == 1 else '')
    return 0


def multipathd(args):
    if args and args[0].startswith('-k'):
        args = (args[0][2:] + ' ' + ' '.join(args[1:])).split()
    words = [w.lower() for w in args]
    if not words:
        sys.stderr.write('multipathd: interactive mode is not simulated; pass a command\n')
        return 1
    if words[0] == 'list':
        words[0] = 'show'
    snap = call({'op': 'get'})
    st = snap['state']

    def fail():
        sys.stdout.write('fail\n')
        return 1

    def ok(resp=None):
        if resp is not None and not resp['ok']:
            return fail()
        sys.stdout.write('ok\n')
        return 0

    if words == ['show', 'maps', 'json']:
        sys.stdout.write(render.multipathd_json(st, sorted(st['maps'])))
    elif len(words) == 4 and words[:2] == ['show', 'map'] and words[3] == 'json':
        m = find_map(st, args[2])
        if not m:
            return fail()
        sys.stdout.write(render.multipathd_json(st, [m['name']], single=True))
    elif words in (['show', 'maps'], ['show', 'multipaths']):
        sys.stdout.write(render.multipathd_maps(st, sorted(st['maps'])))
    elif words in (['show', 'topology'], ['show', 'maps', 'topology']):
        sys.stdout.write(render.multipath_ll(st, sorted(st['maps']))[0])
    elif words == ['show', 'paths']:
        sys.stdout.write(render.multipathd_paths(st))
    elif len(words) == 3 and words[0] in ('disablequeueing', 'restorequeueing') and words[1] == 'map':
        return ok(call({'op': 'queueing', 'ref': args[2], 'on': words[0] == 'restorequeueing'}))
    elif words in (['disablequeueing', 'maps'], ['restorequeueing', 'maps']):
        return ok(call({'op': 'queueing', 'ref': None, 'on': words[0] == 'restorequeueing'}))
    elif len(words) == 3 and words[0] in ('del', 'remove') and words[1] in ('map', 'multipath'):
        return ok(call({'op': 'flush', 'ref': args[2]}))
    elif words == ['reconfigure']:
        return ok()
    else:
        sys.stderr.write(f'multipathd: command not simulated: {" ".join(args)}\n')
        return 1
    return 0


DM_COLS = {'name': 'Name', 'major': 'Maj', 'minor': 'Min', 'attr': 'Stat', 'open': 'Open',
           'segments': 'Targ', 'events': 'Event', 'uuid': 'UUID'}


def dmsetup(args):
    opts, pos, it = {}, [], iter(args)
    for a in it:
        if a in ('-c', '-C', '--columns'):
            opts['c'] = True
        elif a in ('-o', '--options', '--target', '--separator'):
            opts[a.lstrip('-')[0]] = next(it, '')
        elif a in ('--noheadings', '-f', '--force', '-v'):
            opts[a.lstrip('-')[0]] = True
        else:
            pos.append(a)
    if not pos:
        sys.stderr.write('dmsetup: command missing\n')
        return 1
    cmd, refs = pos[0], pos[1:]
    snap = call({'op': 'get'})
    st = snap['state']
    devs = render.dm_devices(st)
    if refs:
        sel = []
        for r in refs:
            obj = find_map(st, r) or find_dm(st, r)
            if not obj:
                sys.stderr.write('Device does not exist.\nCommand failed.\n')
                return 1
            sel += [d for d in devs if d[1] == obj['dm']]
        devs = sel
    if cmd == 'ls':
        devs = [d for d in devs if not opts.get('t') or d[3] == opts['t']]
        sys.stdout.write(''.join(f'{d[0]}\t({render.DM_MAJOR}:{d[1]})\n' for d in devs) or 'No devices found\n')
    elif cmd == 'info' and opts.get('c'):
        fields = (opts.get('o') or 'name,major,minor,attr,open,segments,events,uuid').split(',')
        rows = [] if opts.get('n') else [[DM_COLS.get(f, f) for f in fields]]
        for d in devs:
            use = snap['use'].get(f'dm-{d[1]}', {'open': 0})
            vals = {'name': d[0], 'major': str(render.DM_MAJOR), 'minor': str(d[1]), 'attr': 'L--w',
                    'open': str(use['open']), 'segments': '1', 'events': '0', 'uuid': d[2]}
            rows.append([vals.get(f, '') for f in fields])
        sep = opts.get('s')
        w = [max(len(r[i]) for r in rows) for i in range(len(fields))] if rows else []
        for r in rows:
            line = sep.join(r) if sep is not None else ' '.join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip()
            sys.stdout.write(line + '\n')
    elif cmd == 'info':
        for d in devs:
            sys.stdout.write(render.dmsetup_info(d, snap['use'].get(f'dm-{d[1]}', {'open': 0})))
    elif cmd == 'table':
        for d in devs:
            sys.stdout.write((f'{d[0]}: ' if not refs else '') + render.dmsetup_table(st, d))
    elif cmd == 'remove' and refs:
        resp = call({'op': 'remove', 'ref': refs[0]})
        if not resp['ok']:
            sys.stderr.write(resp['error'] + '\nCommand failed.\n')
            return 1
    else:
        sys.stderr.write(f'dmsetup: command not simulated: {cmd}\n')
        return 1
    return 0


def main():
    from .fsimctl import fsimctl
    name = os.path.basename(sys.argv[0])
    fn = {'multipath': multipath, 'multipathd': multipathd, 'dmsetup': dmsetup, 'fsimctl': fsimctl}.get(name)
    if fn is None:
        sys.stderr.write(f'mpsim: unknown tool name {name}\n')
        return 2
    try:
        return fn(sys.argv[1:])
    except Down as e:
        sys.stderr.write(f'{name}: {e}\n')
        return 1
    except BrokenPipeError:
        return 141
