#!/usr/bin/env python3
"""Records what the reference runtime (wasmtime, `pip install wasmtime`) does
with every run in runs.txt: writes expected/NAME.{stdout,stderr,exit,files}.

Run by hand after changing a program or runs.txt:

    python3 tests/programs/reference.py [NAME...]

`.exit` is the exit status (`0` when `_start` returns) or `trap` when the
program trapped. `.files` lists every read-write preopen after the run in the
format `snapshot()` below writes (tests/common/programs.rs writes the same
for wisp). Read-only preopens are checked to be unchanged.
"""

import os
import shutil
import sys
import tempfile

import wasmtime

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_runs(path):
    runs = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            if word == "run":
                runs.append({"name": rest, "wasm": None, "args": [], "env": [],
                             "stdin": None, "dirs": [], "mkdirs": []})
                continue
            run = runs[-1]
            if word == "wasm":
                run["wasm"] = rest
            elif word == "arg":
                run["args"].append(rest)
            elif word == "env":
                name, _, value = rest.partition("=")
                run["env"].append((name, value))
            elif word == "stdin":
                run["stdin"] = rest
            elif word in ("ro", "rw"):
                guest, src = rest.split(" ")
                run["dirs"].append((word, guest, src))
            elif word == "mkdir":
                run["mkdirs"].append(rest)
            else:
                raise SystemExit(f"runs.txt: unknown directive {word!r}")
    return runs


def snapshot(root, guest):
    """The recorded form of a directory tree: one header line per entry,
    sorted by name bytes, depth first; file contents follow their header."""
    out = bytearray()

    def walk(host, rel):
        for name in sorted(os.listdir(host), key=os.fsencode):
            h = os.path.join(host, name)
            r = f"{rel}/{name}"
            if os.path.islink(h):
                out.extend(f"link {r} -> {os.readlink(h)}\n".encode())
            elif os.path.isdir(h):
                out.extend(f"dir {r}\n".encode())
                walk(h, r)
            else:
                with open(h, "rb") as f:
                    data = f.read()
                out.extend(f"file {r} {len(data)}\n".encode())
                out.extend(data)
                out.extend(b"\n")

    out.extend(f"mount {guest}\n".encode())
    walk(root, guest)
    return bytes(out)


def prepare(run, tmp):
    """Temp copies of the preopens; returns [(kind, guest, host path)]."""
    dirs = []
    for i, (kind, guest, src) in enumerate(run["dirs"]):
        host = os.path.join(tmp, f"mount{i}")
        if src == "-":
            os.mkdir(host)
        else:
            shutil.copytree(os.path.join(HERE, "data", src), host, symlinks=True)
        dirs.append((kind, guest, host))
    for m in run["mkdirs"]:
        for _, guest, host in dirs:
            if m.startswith(guest + "/"):
                os.makedirs(os.path.join(host, m[len(guest) + 1:]))
                break
        else:
            raise SystemExit(f"mkdir {m}: no preopen holds it")
    return dirs


def execute(run):
    with tempfile.TemporaryDirectory() as tmp:
        dirs = prepare(run, tmp)
        before = {g: snapshot(h, g) for k, g, h in dirs if k == "ro"}
        cfg = wasmtime.WasiConfig()
        cfg.argv = run["args"]
        cfg.env = run["env"]
        if run["stdin"] is not None:
            cfg.stdin_file = os.path.join(HERE, run["stdin"])
        out_path = os.path.join(tmp, "stdout")
        err_path = os.path.join(tmp, "stderr")
        cfg.stdout_file = out_path
        cfg.stderr_file = err_path
        for kind, guest, host in dirs:
            cfg.preopen_dir(host, guest, kind == "rw")
        engine = wasmtime.Engine()
        store = wasmtime.Store(engine)
        store.set_wasi(cfg)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        module = wasmtime.Module.from_file(engine, os.path.join(HERE, run["wasm"] + ".wasm"))
        instance = linker.instantiate(store, module)
        start = instance.exports(store)["_start"]
        try:
            start(store)
            status = "0"
        except wasmtime.ExitTrap as e:
            status = str(e.code)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            print(f"{run['name']}: trap: {e}", file=sys.stderr)
            status = "trap"
        del store
        for k, g, h in dirs:
            if k == "ro" and snapshot(h, g) != before[g]:
                raise SystemExit(f"{run['name']}: read-only preopen {g} changed")
        files = b"".join(snapshot(h, g) for k, g, h in dirs if k == "rw")
        with open(out_path, "rb") as f:
            stdout = f.read()
        with open(err_path, "rb") as f:
            stderr = f.read()
    return stdout, stderr, status, files


def main():
    runs = parse_runs(os.path.join(HERE, "runs.txt"))
    wanted = set(sys.argv[1:])
    unknown = wanted - {r["name"] for r in runs}
    if unknown:
        raise SystemExit(f"no such runs: {sorted(unknown)}")
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    for run in runs:
        if wanted and run["name"] not in wanted:
            continue
        stdout, stderr, status, files = execute(run)
        base = os.path.join(HERE, "expected", run["name"])
        for ext, data in ((".stdout", stdout), (".stderr", stderr),
                          (".exit", (status + "\n").encode()), (".files", files)):
            with open(base + ext, "wb") as f:
                f.write(data)
        print(f"{run['name']}: exit {status}, {len(stdout)} bytes of stdout")


if __name__ == "__main__":
    main()
