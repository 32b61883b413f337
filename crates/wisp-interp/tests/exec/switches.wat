;; Switches on a value computed just before the `br_table`: the forms the
;; translator fuses with it (`translate/fuse.rs`, `fuse_switches`).
(module
  (memory 1)
  ;; A bytecode program at 1024, one opcode per i32:
  ;; 0 halt, 1 acc += 1, 2 acc *= 2, 3 acc -= 3, 4 jump to 0 if acc < limit.
  (data (i32.const 1024) "\01\00\00\00\02\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\00\00\00\00")
  ;; Bytes for `bytes`, at 2048.
  (data (i32.const 2048) "\00\01\02\03\04\05\06\07\02\01\00\09")

  ;; A dispatch loop: `switch (code[pc])` (an indexed load).
  (func (export "vm") (param $limit i32) (result i32) (local $pc i32) (local $acc i32)
    (block $halt
      (loop $next
        (block $jmp (block $sub (block $dbl (block $inc
          (br_table $halt $inc $dbl $sub $jmp $halt
            (i32.load (i32.add (i32.shl (local.get $pc) (i32.const 2)) (i32.const 1024)))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
        (local.set $acc (i32.shl (local.get $acc) (i32.const 1)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (br $next))
       (local.set $acc (i32.sub (local.get $acc) (i32.const 3)))
       (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
       (br $next))
      (local.set $pc
        (select (i32.const 0) (i32.add (local.get $pc) (i32.const 1))
          (i32.lt_s (local.get $acc) (local.get $limit))))
      (br $next)))
    (local.get $acc))

  ;; A switch on a value less its lowest case (`switch (x)`, cases 3..5).
  (func (export "offset") (param $x i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (i32.sub (local.get $x) (i32.const 3))))
      (return (i32.const 10)))
      (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))

  ;; Sums, over `n` bytes from 2048, a switch on each byte (`switch (p[k])`)
  ;; and on each byte less 1 (the index then comes from the accumulator).
  (func (export "bytes") (param $n i32) (result i32) (local $k i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (block $two
          (block $one
            (block $zero
              (br_table $zero $one $two
                (i32.load8_u (i32.add (local.get $k) (i32.const 2048)))))
            (local.set $sum (i32.add (local.get $sum) (i32.const 1)))
            (br $two))
          (local.set $sum (i32.add (local.get $sum) (i32.const 100))))
        (block $big (block $low
          (br_table $low $big
            (i32.sub (i32.load8_u (i32.add (local.get $k) (i32.const 2048))) (i32.const 1))))
          (local.set $sum (i32.add (local.get $sum) (i32.const 10000)))
          (br $big))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (local.get $sum))
)
