#!/usr/bin/python3
"""kubectl stand-in of the fleetsweep test fleet (read-only, answers from state.json; see kubesim.py).

  kubectl get RESOURCE[,RESOURCE] [NAME...] [-n NS | -A] [-o json|yaml|wide|name|go-template=...|
      jsonpath=...] [--field-selector a.b=c,...]
  kubectl describe pod NAME [-n NS]
  RESOURCE: nodes pods pv pvc events volumeattachments (and their short names)

Answers only where a kubeconfig exists ($KUBECONFIG or ~/.kube/config: the control node); elsewhere it
fails like a kubectl without one. Templates: only the `{{.a.b.c}}` path form (go-template) and
`{.a.b[0].c}` / `{.items[*].x}` (jsonpath).
"""
import json
import os
import re
import sys

sys.path.insert(0, '/opt/fleetsweep-sim/kube')
import kubesim  # noqa: E402


def fail(msg, rc=1):
    sys.stderr.write(msg + '\n')
    sys.exit(rc)


def parse(argv):
    pos, o, i = [], {'ns': None, 'all': False, 'out': None, 'fs': None}, 0
    while i < len(argv):
        a = argv[i]

        def val():
            nonlocal i
            if '=' in a and a.startswith('--'):
                return a.split('=', 1)[1]
            if len(a) > 2 and not a.startswith('--'):
                return a[2:].lstrip('=')
            i += 1
            if i >= len(argv):
                fail(f'error: flag needs an argument: {a}')
            return argv[i]
        if a in ('-A', '--all-namespaces'):
            o['all'] = True
        elif a == '-n' or a.startswith('--namespace') or (a.startswith('-n') and not a.startswith('--')):
            o['ns'] = val()
        elif a == '-o' or a.startswith('--output') or (a.startswith('-o') and not a.startswith('--')):
            o['out'] = val()
        elif a.startswith('--field-selector'):
            o['fs'] = val()
        elif a in ('--no-headers', '--show-labels', '-w', '--watch'):
            o[a] = True
        elif a.startswith('--request-timeout') or a.startswith('--context') or a.startswith('--kubeconfig'):
            if '=' not in a:
                i += 1
        elif a.startswith('-'):
            fail(f'error: unknown flag: {a}\nSee \'kubectl --help\' for usage.')
        else:
            pos.append(a)
        i += 1
    return pos, o


def to_yaml(doc):
    """kubectl's YAML: block style, sorted keys, strings that would read as something else in
    double quotes (`creationTimestamp: "2022-11-03T12:46:27Z"`)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def rep_str(dumper, data):
        style = None
        if dumper.resolve(yaml.ScalarNode, data, (True, False)) != 'tag:yaml.org,2002:str' or data == '':
            style = '"'
        return dumper.represent_scalar('tag:yaml.org,2002:str', data, style=style)
    Dumper.add_representer(str, rep_str)
    return yaml.dump(doc, Dumper=Dumper, default_flow_style=False, sort_keys=True, width=1 << 16)


def lookup(obj, path):
    """`.a.b[0].c` / `.items[*].x` -> list of values (empty when missing)."""
    vals = [obj]
    for part in re.findall(r'\.([^.\[]+)|\[(\*|\d+)\]', path):
        key, idx = part
        nxt = []
        for v in vals:
            if key:
                if isinstance(v, dict) and key in v:
                    nxt.append(v[key])
            elif isinstance(v, list):
                nxt.extend(v if idx == '*' else v[int(idx):int(idx) + 1])
        vals = nxt
    return vals


def scalar(v):
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(',', ':'))
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return str(v)


def go_template(tmpl, obj):
    def sub(m):
        vals = lookup(obj, m.group(1))
        if not vals:
            return '<no value>'
        v = vals[0]
        if isinstance(v, dict):
            return 'map[' + ' '.join(f'{k}:{scalar(x)}' for k, x in sorted(v.items())) + ']'
        if isinstance(v, list):
            return '[' + ' '.join(scalar(x) for x in v) + ']'
        return scalar(v)
    if re.search(r'\{\{-?\s*(range|if|with|end|printf)', tmpl):
        fail('error: the fleetsweep kubectl stand-in supports only {{.path}} go-templates')
    return re.sub(r'\{\{-?\s*(\.[^}\s]*)\s*-?\}\}', sub, tmpl)


def jsonpath(tmpl, obj):
    def sub(m):
        vals = lookup(obj, m.group(1))
        return ' '.join(scalar(v) for v in vals)
    return re.sub(r'\{(\.[^}]*)\}', sub, tmpl)


class TabWriter:
    """Go's text/tabwriter (cells end with \\t; the last cell of a line is not aligned)."""

    def __init__(self, minwidth=0, padding=2):
        self.minwidth, self.padding, self.lines = minwidth, padding, []

    def add(self, text):
        for line in text.split('\n'):
            self.lines.append(line.split('\t'))

    def render(self):
        out = []
        widths = []

        def fmt(line0, line1):
            column = len(widths)
            this = line0
            while this < line1:
                if column >= len(self.lines[this]) - 1:
                    this += 1
                    continue
                write(line0, this)
                line0 = this
                width = self.minwidth
                while this < line1 and column < len(self.lines[this]) - 1:
                    width = max(width, len(self.lines[this][column]) + self.padding)
                    this += 1
                widths.append(width)
                fmt(line0, this)
                widths.pop()
                line0 = this
            write(line0, line1)

        def write(a, b):
            for line in self.lines[a:b]:
                cells = [c.ljust(widths[j]) if j < len(widths) and j < len(line) - 1 else c for j, c in enumerate(line)]
                out.append(''.join(cells))

        fmt(0, len(self.lines))
        return '\n'.join(out)


def table(rows):
    # kubectl get: printers.GetNewTabWriter = tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)
    w = TabWriter(minwidth=6, padding=3)
    w.lines = [list(r) for r in rows]
    return w.render()


def pod_status(p):
    st = p.get('status', {})
    reason = st.get('reason') or st.get('phase', 'Unknown')
    for cs in st.get('containerStatuses', []):
        w = cs.get('state', {}).get('waiting')
        if w and w.get('reason'):
            reason = w['reason']
    if p.get('metadata', {}).get('deletionTimestamp'):
        reason = 'Terminating'
    return reason


def pod_ready(p):
    cs = p.get('status', {}).get('containerStatuses', [])
    total = len(p.get('spec', {}).get('containers', [])) or len(cs)
    return '%d/%d' % (sum(1 for c in cs if c.get('ready')), total)


def node_status(n):
    ready = next((c for c in n.get('status', {}).get('conditions', []) if c.get('type') == 'Ready'), None)
    s = 'Ready' if ready and ready.get('status') == 'True' else 'NotReady'
    if n.get('spec', {}).get('unschedulable'):
        s += ',SchedulingDisabled'
    return s


def rows_for(key, items, wide, with_ns):
    md = lambda o: o.get('metadata', {})  # noqa: E731
    if key == 'pods':
        head = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'] + (['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] if wide else [])
        rows = [[md(p)['name'], pod_ready(p), pod_status(p), '0', kubesim.age(md(p).get('creationTimestamp'))] +
                ([p.get('status', {}).get('podIP') or '<none>', p.get('spec', {}).get('nodeName') or '<none>', '<none>', '<none>'] if wide else [])
                for p in items]
    elif key == 'nodes':
        head = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'] + (['INTERNAL-IP'] if wide else [])
        rows = []
        for n in items:
            roles = ','.join(sorted(k.split('/', 1)[1] for k in md(n).get('labels', {}) if k.startswith('node-role.kubernetes.io/'))) or '<none>'
            ip = next((a['address'] for a in n.get('status', {}).get('addresses', []) if a.get('type') == 'InternalIP'), '<none>')
            rows.append([md(n)['name'], node_status(n), roles, kubesim.age(md(n).get('creationTimestamp')),
                         n.get('status', {}).get('nodeInfo', {}).get('kubeletVersion', '')] + ([ip] if wide else []))
    elif key == 'persistentvolumes':
        head = ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'REASON', 'AGE']
        modes = {'ReadWriteOnce': 'RWO', 'ReadOnlyMany': 'ROX', 'ReadWriteMany': 'RWX', 'ReadWriteOncePod': 'RWOP'}
        rows = [[md(v)['name'], v['spec'].get('capacity', {}).get('storage', ''),
                 ','.join(modes.get(m, m) for m in v['spec'].get('accessModes', [])),
                 v['spec'].get('persistentVolumeReclaimPolicy', ''), v.get('status', {}).get('phase', ''),
                 ('%s/%s' % (v['spec']['claimRef'].get('namespace'), v['spec']['claimRef'].get('name'))) if v['spec'].get('claimRef') else '',
                 v['spec'].get('storageClassName', ''), '', kubesim.age(md(v).get('creationTimestamp'))] for v in items]
    elif key == 'persistentvolumeclaims':
        head = ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'AGE']
        rows = [[md(c)['name'], c.get('status', {}).get('phase', ''), c['spec'].get('volumeName', ''),
                 c.get('status', {}).get('capacity', {}).get('storage', ''), 'RWO', c['spec'].get('storageClassName', ''),
                 kubesim.age(md(c).get('creationTimestamp'))] for c in items]
    elif key == 'events':
        head = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']
        rows = [[kubesim.age(e.get('lastTimestamp')), e.get('type', ''), e.get('reason', ''),
                 '%s/%s' % (e.get('involvedObject', {}).get('kind', '').lower(), e.get('involvedObject', {}).get('name', '')),
                 e.get('message', '')] for e in items]
    else:
        head = ['NAME', 'ATTACHER', 'PV', 'NODE', 'ATTACHED', 'AGE']
        rows = [[md(a)['name'], a['spec'].get('attacher', ''), a['spec'].get('source', {}).get('persistentVolumeName', ''),
                 a['spec'].get('nodeName', ''), 'true' if a.get('status', {}).get('attached') else 'false',
                 kubesim.age(md(a).get('creationTimestamp'))] for a in items]
    if with_ns:
        head = ['NAMESPACE'] + head
        rows = [[md(o).get('namespace', '')] + r for o, r in zip(items, rows)]
    return [head] + rows


def field_match(obj, selector):
    if not selector:
        return True
    for clause in selector.split(','):
        neg = '!=' in clause
        k, v = re.split(r'!=|==|=', clause, maxsplit=1)
        vals = lookup(obj, '.' + k)
        have = scalar(vals[0]) if vals else ''
        if (have == v) == neg:
            return False
    return True


def cmd_get(state, pos, o):
    if not pos:
        fail('You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\n'
             'error: Required resource not specified.')
    keys = []
    for r in pos[0].split(','):
        k = kubesim.resource_key(r)
        if k is None:
            fail(f'error: the server doesn\'t have a resource type "{r}"')
        keys.append(k)
    names = pos[1:]
    ns = o['ns'] or 'default'
    found, missing = [], []
    for key in keys:
        kind, api, namespaced, _ = kubesim.RESOURCES[key]
        items = [dict(x, kind=kind, apiVersion=api) for x in state.get(key, [])]
        if namespaced and not o['all']:
            items = [x for x in items if x.get('metadata', {}).get('namespace') == ns]
        items = [x for x in items if field_match(x, o['fs'])]
        if names:
            for n in names:
                hit = next((x for x in items if x['metadata']['name'] == n), None)
                if hit is None:
                    missing.append((key, n))
                else:
                    found.append((key, hit))
        else:
            found.extend((key, x) for x in items)
    out = o['out'] or ''
    single = len(names) == 1 and len(keys) == 1
    if found or not missing:
        if out in ('json', 'yaml') or out.startswith(('go-template', 'jsonpath', 'template')):
            doc = found[0][1] if single and found else {
                'apiVersion': 'v1', 'items': [x for _, x in found], 'kind': 'List', 'metadata': {'resourceVersion': ''}}
            if out == 'json':
                print(json.dumps(doc, indent=4, sort_keys=True))
            elif out == 'yaml':
                sys.stdout.write(to_yaml(doc))
            else:
                kind, tmpl = out.split('=', 1) if '=' in out else (out, '')
                tmpl = tmpl.strip("'\"") if tmpl[:1] in '\'"' and tmpl[-1:] == tmpl[:1] else tmpl
                sys.stdout.write(jsonpath(tmpl, doc) if kind == 'jsonpath' else go_template(tmpl, doc))
        elif out == 'name':
            for key, x in found:
                kind = kubesim.RESOURCES[key][0].lower()
                group = '.storage.k8s.io' if key == 'volumeattachments' else ''
                print(f'{kind}{group}/{x["metadata"]["name"]}')
        elif out in ('', 'wide'):
            if not found and not names:
                if o['all'] or not any(kubesim.RESOURCES[k][2] for k in keys):
                    sys.stderr.write('No resources found\n')
                else:
                    sys.stderr.write(f'No resources found in {ns} namespace.\n')
            for key in dict.fromkeys(k for k, _ in found):
                items = [x for k, x in found if k == key]
                rows = rows_for(key, items, out == 'wide', o['all'] and kubesim.RESOURCES[key][2])
                if o.get('--no-headers'):
                    rows = rows[1:]
                print(table(rows))
        else:
            fail(f'error: unable to match a printer suitable for the output format "{out}", allowed formats are: '
                 'custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,'
                 'jsonpath-file,name,template,templatefile,wide,yaml')
    for key, n in missing:
        kind, api, _, _ = kubesim.RESOURCES[key]
        group = '.storage.k8s.io' if key == 'volumeattachments' else ''
        sys.stderr.write(f'Error from server (NotFound): {key}{group} "{n}" not found\n')
    return 1 if missing else 0


def describe_pod(state, p):
    md, spec, st = p['metadata'], p.get('spec', {}), p.get('status', {})
    node = spec.get('nodeName')
    host_ip = st.get('hostIP')
    w = TabWriter(padding=2)
    lines = [f'Name:\t{md["name"]}', f'Namespace:\t{md.get("namespace", "default")}', 'Priority:\t0',
             f'Service Account:\t{spec.get("serviceAccountName", "default")}',
             f'Node:\t{node}/{host_ip}' if node and host_ip else f'Node:\t{node or "<none>"}',
             f'Start Time:\t{st.get("startTime", "<unset>")}',
             'Labels:\t' + ('\n\t'.join(f'{k}={v}' for k, v in sorted(md.get('labels', {}).items())) or '<none>'),
             'Annotations:\t<none>', f'Status:\t{st.get("phase", "Unknown")}', f'IP:\t{st.get("podIP", "")}']
    lines.append('Containers:')
    statuses = {c.get('name'): c for c in st.get('containerStatuses', [])}
    for c in spec.get('containers', []):
        cs = statuses.get(c['name'], {})
        state_ = cs.get('state', {})
        lines.append(f'  {c["name"]}:')
        lines.append(f'    Container ID:\t{cs.get("containerID", "")}')
        lines.append(f'    Image:\t{c.get("image", "")}')
        if 'waiting' in state_:
            lines.append('    State:\tWaiting')
            lines.append(f'      Reason:\t{state_["waiting"].get("reason", "")}')
        elif 'running' in state_:
            lines.append('    State:\tRunning')
            lines.append(f'      Started:\t{state_["running"].get("startedAt", "")}')
        lines.append(f'    Ready:\t{"True" if cs.get("ready") else "False"}')
        lines.append('    Restart Count:\t0')
    lines.append('Volumes:')
    for v in spec.get('volumes', []):
        lines.append(f'  {v["name"]}:')
        if 'persistentVolumeClaim' in v:
            lines.append('    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)')
            lines.append(f'    ClaimName:\t{v["persistentVolumeClaim"].get("claimName", "")}')
            lines.append('    ReadOnly:\tfalse')
    w.add('\n'.join(lines))
    out = w.render() + '\n'
    evs = [e for e in state.get('events', []) if e.get('involvedObject', {}).get('kind', 'Pod') == 'Pod'
           and e.get('involvedObject', {}).get('name') == md['name']
           and e.get('involvedObject', {}).get('namespace', md.get('namespace')) == md.get('namespace')]
    if not evs:
        return out + 'Events:                <none>\n'
    evs.sort(key=lambda e: e.get('lastTimestamp') or '')
    ew = TabWriter(padding=2)
    ew.add('  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------')
    for e in evs:
        a = kubesim.age(e.get('lastTimestamp'))
        if int(e.get('count') or 1) > 1:
            a = f'{a} (x{e["count"]} over {kubesim.age(e.get("firstTimestamp"))})'
        src = e.get('source', {})
        frm = src.get('component', '') + (', ' + src['host'] if src.get('host') else '')
        ew.add(f'  {e.get("type", "")}\t{e.get("reason", "")}\t{a}\t{frm}\t{e.get("message", "")}')
    return out + 'Events:\n' + ew.render() + '\n'


def cmd_describe(state, pos, o):
    if len(pos) < 2 or kubesim.resource_key(pos[0]) != 'pods':
        fail('error: the fleetsweep kubectl stand-in describes pods only: kubectl describe pod NAME [-n NS]')
    ns = o['ns'] or 'default'
    rc = 0
    for name in pos[1:]:
        p = kubesim.find(state, 'pods', name, ns)
        if p is None:
            sys.stderr.write(f'Error from server (NotFound): pods "{name}" not found\n')
            rc = 1
            continue
        sys.stdout.write(describe_pod(state, p))
    return rc


def has_kubeconfig():
    cfg = os.environ.get('KUBECONFIG') or os.path.join(os.path.expanduser('~'), '.kube', 'config')
    return all(os.path.isfile(c) for c in cfg.split(':') if c)


def main(argv):
    if argv[:1] == ['version'] and '--client' in argv:
        print('Client Version: v1.27.16-fleetsweep-sim')
        return 0
    pos, o = parse(argv)
    if not pos:
        fail('kubectl controls the Kubernetes cluster manager (fleetsweep stand-in: get, describe pod).')
    if not has_kubeconfig() or not os.path.exists(kubesim.STATE):
        fail('The connection to the server localhost:8080 was refused - did you specify the right host or port?')
    state = kubesim.load()
    if pos[0] == 'get':
        return cmd_get(state, pos[1:], o)
    if pos[0] == 'describe':
        return cmd_describe(state, pos[1:], o)
    fail(f'error: unknown command "{pos[0]}" for "kubectl" (fleetsweep stand-in: get, describe)')


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(141)
