#!/usr/bin/python3
"""kubectl-sim: how tests change the simulated cluster (there is no API server; see kubesim.py).

  kubectl-sim state                      print state.json
  kubectl-sim load FILE|-                replace the whole state
  kubectl-sim patch KIND [NS/]NAME JSON  JSON merge patch (RFC 7386) of one object, e.g.
                                         kubectl-sim patch pod gpu/trainer-0 '{"status":{"phase":"Running"}}'
  kubectl-sim delete KIND [NS/]NAME
  kubectl-sim event KIND [NS/]NAME TYPE REASON MESSAGE COMPONENT [HOST]
"""
import json
import sys

sys.path.insert(0, '/opt/fleetsweep-sim/kube')
import kubesim  # noqa: E402


def merge(target, patch):
    if not isinstance(patch, dict):
        return patch
    target = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge(target.get(k), v)
    return target


def locate(state, kind, ref):
    key = kubesim.resource_key(kind)
    if key is None:
        sys.exit(f'kubectl-sim: unknown kind {kind}')
    ns, name = ref.split('/', 1) if '/' in ref else (None, ref)
    if kubesim.RESOURCES[key][2] and ns is None:
        ns = 'default'
    obj = kubesim.find(state, key, name, ns)
    if obj is None:
        sys.exit(f'kubectl-sim: {kind} {ref} not found')
    return key, obj


def main(a):
    if a[:1] == ['state']:
        print(json.dumps(kubesim.load(), indent=1, sort_keys=True))
    elif a[:1] == ['load'] and len(a) == 2:
        doc = json.load(sys.stdin if a[1] == '-' else open(a[1]))
        with kubesim.Locked() as st:
            st.clear()
            st.update(doc)
    elif a[:1] == ['patch'] and len(a) == 4:
        with kubesim.Locked() as st:
            key, obj = locate(st, a[1], a[2])
            new = merge(obj, json.loads(a[3]))
            st[key][st[key].index(obj)] = new
    elif a[:1] == ['delete'] and len(a) == 3:
        with kubesim.Locked() as st:
            key, obj = locate(st, a[1], a[2])
            st[key].remove(obj)
    elif a[:1] == ['event'] and len(a) in (7, 8):
        with kubesim.Locked() as st:
            _, obj = locate(st, a[1], a[2])
            kubesim.record_event(st, dict(obj, kind=kubesim.RESOURCES[kubesim.resource_key(a[1])][0]),
                                 a[3], a[4], a[5], a[6], a[7] if len(a) == 8 else None)
    else:
        sys.stderr.write(__doc__)
        return 64
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
