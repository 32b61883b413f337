;; A microbenchmark for the load-and-zero-test superinstructions (`Load32BrNez`,
;; `Load8UBrEqz`, see crates/wisp-interp/src/translate/fuse.rs): a linked-list
;; walk (`p = p->next; if (p)`) over an L2-sized working set, and a strlen
;; (`if (!*s)`). Not one of the suite's workloads (it measures one pattern).
;; Run: `wat2wasm list_walk.wat` (wabt), then
;; `cargo run --profile release-bench -p wisp-interp --example run -- list_walk.wasm 3`.
(module
  (memory 200)
  ;; 64 Ki nodes {next, value} at 8-byte strides from 1024, linked in a
  ;; scrambled order (a full-period LCG); then 640 walks summing values,
  ;; each with a strlen of 64 KiB.
  (func (export "run") (result i64) (local $i i32) (local $p i32) (local $sum i32) (local $r i32) (local $n i32)
    (local.set $i (i32.const 0))
    (loop $build
      (i32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 3)))
        (select
          (i32.add (i32.const 1024) (i32.shl (i32.and (i32.add (i32.mul (local.get $i) (i32.const 40501)) (i32.const 1)) (i32.const 65535)) (i32.const 3)))
          (i32.const 0)
          (i32.lt_u (local.get $i) (i32.const 65535))))
      (i32.store offset=4 (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 3))) (local.get $i))
      (i32.store8 (i32.add (i32.const 9000000) (local.get $i)) (i32.const 97))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $build (i32.lt_u (local.get $i) (i32.const 65536))))
    (local.set $r (i32.const 0))
    (loop $rounds
      (local.set $p (i32.const 1024))
      (loop $walk
        (local.set $sum (i32.add (local.get $sum) (i32.load offset=4 (local.get $p))))
        (local.set $p (i32.load (local.get $p)))
        (br_if $walk (i32.ne (local.get $p) (i32.const 0))))
      (local.set $p (i32.const 9000000))
      (block $end
        (loop $scan
          (br_if $end (i32.eqz (i32.load8_u (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $scan)))
      (local.set $n (i32.add (local.get $n) (i32.sub (local.get $p) (i32.const 9000000))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $r) (i32.const 640))))
    (i64.add (i64.extend_i32_u (local.get $sum)) (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 32))))
)
