//! Integer comparisons as data, so the translator can emit a comparison, and
//! later fuse it with the `br_if`/`if` that consumes it, negated or swapped.

use super::instr::Instr;
use super::operands::{Bin, BinImm, BrCmp, BrCmpImm, Slot, Target};

/// The width of an integer comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    I32,
    I64,
}

/// An integer comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl Cmp {
    /// The comparison that is true exactly when `self` is false.
    pub fn negate(self) -> Cmp {
        use Cmp::*;
        match self {
            Eq => Ne,
            Ne => Eq,
            LtS => GeS,
            LtU => GeU,
            GtS => LeS,
            GtU => LeU,
            LeS => GtS,
            LeU => GtU,
            GeS => LtS,
            GeU => LtU,
        }
    }

    /// The comparison with its operands swapped: `a cmp b == b cmp.swap() a`.
    pub fn swap(self) -> Cmp {
        use Cmp::*;
        match self {
            Eq => Eq,
            Ne => Ne,
            LtS => GtS,
            LtU => GtU,
            GtS => LtS,
            GtU => LtU,
            LeS => GeS,
            LeU => GeU,
            GeS => LeS,
            GeU => LeU,
        }
    }
}

/// The right operand of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rhs {
    Slot(Slot),
    /// Sign-extended for 64-bit comparisons.
    Imm(i32),
}

/// A fully described integer comparison `a cmp rhs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compare {
    pub width: IntWidth,
    pub cmp: Cmp,
    pub a: Slot,
    pub rhs: Rhs,
}

type Ctors = (
    fn(Bin) -> Instr,
    fn(BinImm) -> Instr,
    fn(BrCmp) -> Instr,
    fn(BrCmpImm) -> Instr,
);

/// The four instruction constructors of one comparison: value on slots,
/// value against an immediate, branch on slots, branch against an immediate.
fn ctors(width: IntWidth, cmp: Cmp) -> Ctors {
    use Cmp::*;
    use Instr as I;
    use IntWidth::*;
    match (width, cmp) {
        (I32, Eq) => (I::I32Eq, I::I32EqImm, I::BrI32Eq, I::BrI32EqImm),
        (I32, Ne) => (I::I32Ne, I::I32NeImm, I::BrI32Ne, I::BrI32NeImm),
        (I32, LtS) => (I::I32LtS, I::I32LtSImm, I::BrI32LtS, I::BrI32LtSImm),
        (I32, LtU) => (I::I32LtU, I::I32LtUImm, I::BrI32LtU, I::BrI32LtUImm),
        (I32, GtS) => (I::I32GtS, I::I32GtSImm, I::BrI32GtS, I::BrI32GtSImm),
        (I32, GtU) => (I::I32GtU, I::I32GtUImm, I::BrI32GtU, I::BrI32GtUImm),
        (I32, LeS) => (I::I32LeS, I::I32LeSImm, I::BrI32LeS, I::BrI32LeSImm),
        (I32, LeU) => (I::I32LeU, I::I32LeUImm, I::BrI32LeU, I::BrI32LeUImm),
        (I32, GeS) => (I::I32GeS, I::I32GeSImm, I::BrI32GeS, I::BrI32GeSImm),
        (I32, GeU) => (I::I32GeU, I::I32GeUImm, I::BrI32GeU, I::BrI32GeUImm),
        (I64, Eq) => (I::I64Eq, I::I64EqImm, I::BrI64Eq, I::BrI64EqImm),
        (I64, Ne) => (I::I64Ne, I::I64NeImm, I::BrI64Ne, I::BrI64NeImm),
        (I64, LtS) => (I::I64LtS, I::I64LtSImm, I::BrI64LtS, I::BrI64LtSImm),
        (I64, LtU) => (I::I64LtU, I::I64LtUImm, I::BrI64LtU, I::BrI64LtUImm),
        (I64, GtS) => (I::I64GtS, I::I64GtSImm, I::BrI64GtS, I::BrI64GtSImm),
        (I64, GtU) => (I::I64GtU, I::I64GtUImm, I::BrI64GtU, I::BrI64GtUImm),
        (I64, LeS) => (I::I64LeS, I::I64LeSImm, I::BrI64LeS, I::BrI64LeSImm),
        (I64, LeU) => (I::I64LeU, I::I64LeUImm, I::BrI64LeU, I::BrI64LeUImm),
        (I64, GeS) => (I::I64GeS, I::I64GeSImm, I::BrI64GeS, I::BrI64GeSImm),
        (I64, GeU) => (I::I64GeU, I::I64GeUImm, I::BrI64GeU, I::BrI64GeUImm),
    }
}

impl Compare {
    /// The instruction writing the comparison's result (0 or 1) to `dst`.
    pub fn value(self, dst: Slot) -> Instr {
        let (reg, imm, _, _) = ctors(self.width, self.cmp);
        match self.rhs {
            Rhs::Slot(b) => reg(Bin { dst, a: self.a, b }),
            Rhs::Imm(imm_value) => imm(BinImm {
                dst,
                a: self.a,
                imm: imm_value,
            }),
        }
    }

    /// The instruction jumping to `target` when the comparison holds.
    pub fn branch(self, target: Target) -> Instr {
        let (_, _, reg, imm) = ctors(self.width, self.cmp);
        match self.rhs {
            Rhs::Slot(b) => reg(BrCmp {
                a: self.a,
                b,
                target,
            }),
            Rhs::Imm(imm_value) => imm(BrCmpImm {
                a: self.a,
                imm: imm_value,
                target,
            }),
        }
    }

    /// The comparison that holds exactly when `self` does not.
    pub fn negate(self) -> Compare {
        Compare {
            cmp: self.cmp.negate(),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Cmp; 10] = [
        Cmp::Eq,
        Cmp::Ne,
        Cmp::LtS,
        Cmp::LtU,
        Cmp::GtS,
        Cmp::GtU,
        Cmp::LeS,
        Cmp::LeU,
        Cmp::GeS,
        Cmp::GeU,
    ];

    fn eval(cmp: Cmp, a: i64, b: i64) -> bool {
        let (ua, ub) = (a as u64, b as u64);
        match cmp {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::LtS => a < b,
            Cmp::LtU => ua < ub,
            Cmp::GtS => a > b,
            Cmp::GtU => ua > ub,
            Cmp::LeS => a <= b,
            Cmp::LeU => ua <= ub,
            Cmp::GeS => a >= b,
            Cmp::GeU => ua >= ub,
        }
    }

    #[test]
    fn negate_and_swap_are_consistent() {
        let samples = [i64::MIN, -3, -1, 0, 1, 2, i64::MAX];
        for cmp in ALL {
            assert_eq!(cmp.negate().negate(), cmp);
            assert_eq!(cmp.swap().swap(), cmp);
            for a in samples {
                for b in samples {
                    assert_eq!(eval(cmp.negate(), a, b), !eval(cmp, a, b), "{cmp:?}");
                    assert_eq!(eval(cmp.swap(), b, a), eval(cmp, a, b), "{cmp:?}");
                }
            }
        }
    }

    #[test]
    fn every_comparison_has_distinct_instructions() {
        let mut seen = alloc::vec::Vec::new();
        for width in [IntWidth::I32, IntWidth::I64] {
            for cmp in ALL {
                for rhs in [Rhs::Slot(2), Rhs::Imm(2)] {
                    let c = Compare {
                        width,
                        cmp,
                        a: 1,
                        rhs,
                    };
                    let mut br = c.branch(7);
                    assert_eq!(br.branch_target_mut().map(|t| *t), Some(7));
                    assert!(!seen.contains(&br));
                    assert!(!seen.contains(&c.value(0)));
                    seen.push(br);
                    seen.push(c.value(0));
                }
            }
        }
    }
}
