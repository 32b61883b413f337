;; A load, then a branch on the loaded value being zero or not: what the
;; translator fuses into one instruction (`Load32BrEqz` and the like, see
;; `translate/fuse.rs`).
(module
  (memory 1)
  ;; A linked list of {next, value} nodes: 256 -> 272 -> 264 -> null.
  (data (i32.const 256) "\10\01\00\00\05\00\00\00\00\00\00\00\07\00\00\00\08\01\00\00\0b\00\00\00")
  (data (i32.const 512) "hello, world\00")
  ;; Bytes up to the end of memory, with no zero after them.
  (data (i32.const 65533) "xyz")

  ;; The sum of the values of the list at `p` (`while ((p = p->next))`).
  (func (export "sum_list") (param $p i32) (result i32) (local $sum i32)
    (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (i32.load offset=4 (local.get $p))))
      (local.set $p (i32.load (local.get $p)))
      (br_if $next (i32.ne (local.get $p) (i32.const 0))))
    (local.get $sum))

  ;; The length of the string at `s` (`while (*s) s++`).
  (func (export "strlen") (param $s i32) (result i32) (local $c i32) (local $n i32)
    (block $done
      (loop $next
        (local.set $c (i32.load8_u (local.get $s)))
        (br_if $done (i32.eqz (local.get $c)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; 1 if the 4 bytes at `p` are zero, else 2 (`if (!*(int *)p)`).
  (func (export "is_zero") (param $p i32) (result i32)
    (block $zero
      (br_if $zero (i32.eqz (i32.load (local.get $p))))
      (return (i32.const 2)))
    (i32.const 1))
)
