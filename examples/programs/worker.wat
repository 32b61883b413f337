;; The supervised example's worker (examples/supervised/): prints one line,
;; counts down its argument (a few fuel slices of work), then traps with
;; `unreachable`, so that its supervisor restarts it.
;; Built by ../supervised/build.sh into ../supervised/wasm/worker.wasm.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "worker: working for a few slices, then a trap\n")
  (func (export "run") (param $n i32)
    ;; One iovec at 0: the line at 16, 46 bytes; bytes written at 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 46))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (loop $count
      (br_if $count (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    unreachable))
