#!/usr/bin/python3
"""promcheck.py METRICS EXPECT: parses METRICS (Prometheus text format)
with the official client's parser and checks it against EXPECT, lines of
  type FAMILY TYPE        the family exists with that type
  SAMPLE{L="V",...} VALUE  the sample exists with that value
  absent SAMPLE{...}       no such sample
  count FAMILY N           the family has N samples
Also checks what holds for every output: each family once, names prefixed
aliasctl_, counters' samples ending in _total, HELP on every family.
Exits 0 when everything holds, 1 with the reasons otherwise."""
import re
import sys

from prometheus_client.parser import text_string_to_metric_families


def key(name, labels):
    return name + "{" + ",".join('%s="%s"' % kv
                                 for kv in sorted(labels.items())) + "}"


def parse_sample(text):
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?', text)
    if m is None:
        raise ValueError("bad sample: " + text)
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                             m.group(2) or ""))
    labels = {k: v.encode().decode("unicode_escape") for k, v in labels.items()}
    return key(m.group(1), labels)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    errors = []
    families = {}
    samples = {}
    for fam in text_string_to_metric_families(text):
        if fam.name in families:
            errors.append("family twice: " + fam.name)
        families[fam.name] = fam
        if not fam.name.startswith("aliasctl_"):
            errors.append("not prefixed: " + fam.name)
        if not fam.documentation:
            errors.append("no HELP: " + fam.name)
        for s in fam.samples:
            if fam.type == "counter" and not s.name.endswith("_total"):
                errors.append("counter sample without _total: " + s.name)
            samples[key(s.name, s.labels)] = s.value
    # One HELP and one TYPE line per family, as the format wants.
    for kind in ("HELP", "TYPE"):
        names = re.findall(r"^# %s (\S+)" % kind, text, re.M)
        if len(names) != len(set(names)):
            errors.append("a %s line twice" % kind)
    for line in open(sys.argv[2], encoding="utf-8"):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] == "type":
            fam = families.get(f[1])
            if fam is None or fam.type != f[2]:
                errors.append("family %s: want %s, got %s" % (
                    f[1], f[2], fam.type if fam else "none"))
        elif f[0] == "absent":
            k = parse_sample(f[1])
            if k in samples:
                errors.append("unwanted sample " + k)
        elif f[0] == "count":
            fam = families.get(f[1])
            got = len(fam.samples) if fam else 0
            if got != int(f[2]):
                errors.append("family %s: want %s samples, got %d" % (
                    f[1], f[2], got))
        else:
            sample, value = line.rstrip("\n").rsplit(" ", 1)
            k = parse_sample(sample)
            if k not in samples:
                errors.append("missing sample " + k)
            elif samples[k] != float(value):
                errors.append("%s: want %s, got %s" % (k, value, samples[k]))
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
