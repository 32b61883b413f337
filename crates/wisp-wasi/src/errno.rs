//! The preview1 `errno` enum: every value of `wasi_snapshot_preview1.witx`'s
//! `$errno` with its witx number, and the mapping to the `u16` a WASI call
//! returns to the guest (widened to the `i32` result of the import).
//!
//! The numbers are the witx declaration order (`success` = 0 … `notcapable`
//! = 76); `Errno::ALL` lists them so a test can check that order.

/// A WASI preview1 error number (`$errno` in the witx, a `u16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Errno {
    /// witx `success`.
    Success = 0,
    /// witx `2big`.
    TooBig = 1,
    /// witx `acces`.
    Acces = 2,
    /// witx `addrinuse`.
    Addrinuse = 3,
    /// witx `addrnotavail`.
    Addrnotavail = 4,
    /// witx `afnosupport`.
    Afnosupport = 5,
    /// witx `again`.
    Again = 6,
    /// witx `already`.
    Already = 7,
    /// witx `badf`.
    Badf = 8,
    /// witx `badmsg`.
    Badmsg = 9,
    /// witx `busy`.
    Busy = 10,
    /// witx `canceled`.
    Canceled = 11,
    /// witx `child`.
    Child = 12,
    /// witx `connaborted`.
    Connaborted = 13,
    /// witx `connrefused`.
    Connrefused = 14,
    /// witx `connreset`.
    Connreset = 15,
    /// witx `deadlk`.
    Deadlk = 16,
    /// witx `destaddrreq`.
    Destaddrreq = 17,
    /// witx `dom`.
    Dom = 18,
    /// witx `dquot`.
    Dquot = 19,
    /// witx `exist`.
    Exist = 20,
    /// witx `fault`.
    Fault = 21,
    /// witx `fbig`.
    Fbig = 22,
    /// witx `hostunreach`.
    Hostunreach = 23,
    /// witx `idrm`.
    Idrm = 24,
    /// witx `ilseq`.
    Ilseq = 25,
    /// witx `inprogress`.
    Inprogress = 26,
    /// witx `intr`.
    Intr = 27,
    /// witx `inval`.
    Inval = 28,
    /// witx `io`.
    Io = 29,
    /// witx `isconn`.
    Isconn = 30,
    /// witx `isdir`.
    Isdir = 31,
    /// witx `loop`.
    Loop = 32,
    /// witx `mfile`.
    Mfile = 33,
    /// witx `mlink`.
    Mlink = 34,
    /// witx `msgsize`.
    Msgsize = 35,
    /// witx `multihop`.
    Multihop = 36,
    /// witx `nametoolong`.
    Nametoolong = 37,
    /// witx `netdown`.
    Netdown = 38,
    /// witx `netreset`.
    Netreset = 39,
    /// witx `netunreach`.
    Netunreach = 40,
    /// witx `nfile`.
    Nfile = 41,
    /// witx `nobufs`.
    Nobufs = 42,
    /// witx `nodev`.
    Nodev = 43,
    /// witx `noent`.
    Noent = 44,
    /// witx `noexec`.
    Noexec = 45,
    /// witx `nolck`.
    Nolck = 46,
    /// witx `nolink`.
    Nolink = 47,
    /// witx `nomem`.
    Nomem = 48,
    /// witx `nomsg`.
    Nomsg = 49,
    /// witx `noprotoopt`.
    Noprotoopt = 50,
    /// witx `nospc`.
    Nospc = 51,
    /// witx `nosys`.
    Nosys = 52,
    /// witx `notconn`.
    Notconn = 53,
    /// witx `notdir`.
    Notdir = 54,
    /// witx `notempty`.
    Notempty = 55,
    /// witx `notrecoverable`.
    Notrecoverable = 56,
    /// witx `notsock`.
    Notsock = 57,
    /// witx `notsup`.
    Notsup = 58,
    /// witx `notty`.
    Notty = 59,
    /// witx `nxio`.
    Nxio = 60,
    /// witx `overflow`.
    Overflow = 61,
    /// witx `ownerdead`.
    Ownerdead = 62,
    /// witx `perm`.
    Perm = 63,
    /// witx `pipe`.
    Pipe = 64,
    /// witx `proto`.
    Proto = 65,
    /// witx `protonosupport`.
    Protonosupport = 66,
    /// witx `prototype`.
    Prototype = 67,
    /// witx `range`.
    Range = 68,
    /// witx `rofs`.
    Rofs = 69,
    /// witx `spipe`.
    Spipe = 70,
    /// witx `srch`.
    Srch = 71,
    /// witx `stale`.
    Stale = 72,
    /// witx `timedout`.
    Timedout = 73,
    /// witx `txtbsy`.
    Txtbsy = 74,
    /// witx `xdev`.
    Xdev = 75,
    /// witx `notcapable`.
    Notcapable = 76,
}

impl Errno {
    /// Every errno in witx order: `ALL[i] as u16 == i`.
    pub const ALL: [Errno; 77] = [
        Errno::Success,
        Errno::TooBig,
        Errno::Acces,
        Errno::Addrinuse,
        Errno::Addrnotavail,
        Errno::Afnosupport,
        Errno::Again,
        Errno::Already,
        Errno::Badf,
        Errno::Badmsg,
        Errno::Busy,
        Errno::Canceled,
        Errno::Child,
        Errno::Connaborted,
        Errno::Connrefused,
        Errno::Connreset,
        Errno::Deadlk,
        Errno::Destaddrreq,
        Errno::Dom,
        Errno::Dquot,
        Errno::Exist,
        Errno::Fault,
        Errno::Fbig,
        Errno::Hostunreach,
        Errno::Idrm,
        Errno::Ilseq,
        Errno::Inprogress,
        Errno::Intr,
        Errno::Inval,
        Errno::Io,
        Errno::Isconn,
        Errno::Isdir,
        Errno::Loop,
        Errno::Mfile,
        Errno::Mlink,
        Errno::Msgsize,
        Errno::Multihop,
        Errno::Nametoolong,
        Errno::Netdown,
        Errno::Netreset,
        Errno::Netunreach,
        Errno::Nfile,
        Errno::Nobufs,
        Errno::Nodev,
        Errno::Noent,
        Errno::Noexec,
        Errno::Nolck,
        Errno::Nolink,
        Errno::Nomem,
        Errno::Nomsg,
        Errno::Noprotoopt,
        Errno::Nospc,
        Errno::Nosys,
        Errno::Notconn,
        Errno::Notdir,
        Errno::Notempty,
        Errno::Notrecoverable,
        Errno::Notsock,
        Errno::Notsup,
        Errno::Notty,
        Errno::Nxio,
        Errno::Overflow,
        Errno::Ownerdead,
        Errno::Perm,
        Errno::Pipe,
        Errno::Proto,
        Errno::Protonosupport,
        Errno::Prototype,
        Errno::Range,
        Errno::Rofs,
        Errno::Spipe,
        Errno::Srch,
        Errno::Stale,
        Errno::Timedout,
        Errno::Txtbsy,
        Errno::Xdev,
        Errno::Notcapable,
    ];

    /// The witx number of this errno.
    pub const fn raw(self) -> u16 {
        self as u16
    }

    /// The errno with witx number `raw`, if there is one.
    pub fn from_raw(raw: u16) -> Option<Errno> {
        Errno::ALL.get(usize::from(raw)).copied()
    }

    /// The witx name (`"badf"`, `"2big"`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Errno::Success => "success",
            Errno::TooBig => "2big",
            Errno::Acces => "acces",
            Errno::Addrinuse => "addrinuse",
            Errno::Addrnotavail => "addrnotavail",
            Errno::Afnosupport => "afnosupport",
            Errno::Again => "again",
            Errno::Already => "already",
            Errno::Badf => "badf",
            Errno::Badmsg => "badmsg",
            Errno::Busy => "busy",
            Errno::Canceled => "canceled",
            Errno::Child => "child",
            Errno::Connaborted => "connaborted",
            Errno::Connrefused => "connrefused",
            Errno::Connreset => "connreset",
            Errno::Deadlk => "deadlk",
            Errno::Destaddrreq => "destaddrreq",
            Errno::Dom => "dom",
            Errno::Dquot => "dquot",
            Errno::Exist => "exist",
            Errno::Fault => "fault",
            Errno::Fbig => "fbig",
            Errno::Hostunreach => "hostunreach",
            Errno::Idrm => "idrm",
            Errno::Ilseq => "ilseq",
            Errno::Inprogress => "inprogress",
            Errno::Intr => "intr",
            Errno::Inval => "inval",
            Errno::Io => "io",
            Errno::Isconn => "isconn",
            Errno::Isdir => "isdir",
            Errno::Loop => "loop",
            Errno::Mfile => "mfile",
            Errno::Mlink => "mlink",
            Errno::Msgsize => "msgsize",
            Errno::Multihop => "multihop",
            Errno::Nametoolong => "nametoolong",
            Errno::Netdown => "netdown",
            Errno::Netreset => "netreset",
            Errno::Netunreach => "netunreach",
            Errno::Nfile => "nfile",
            Errno::Nobufs => "nobufs",
            Errno::Nodev => "nodev",
            Errno::Noent => "noent",
            Errno::Noexec => "noexec",
            Errno::Nolck => "nolck",
            Errno::Nolink => "nolink",
            Errno::Nomem => "nomem",
            Errno::Nomsg => "nomsg",
            Errno::Noprotoopt => "noprotoopt",
            Errno::Nospc => "nospc",
            Errno::Nosys => "nosys",
            Errno::Notconn => "notconn",
            Errno::Notdir => "notdir",
            Errno::Notempty => "notempty",
            Errno::Notrecoverable => "notrecoverable",
            Errno::Notsock => "notsock",
            Errno::Notsup => "notsup",
            Errno::Notty => "notty",
            Errno::Nxio => "nxio",
            Errno::Overflow => "overflow",
            Errno::Ownerdead => "ownerdead",
            Errno::Perm => "perm",
            Errno::Pipe => "pipe",
            Errno::Proto => "proto",
            Errno::Protonosupport => "protonosupport",
            Errno::Prototype => "prototype",
            Errno::Range => "range",
            Errno::Rofs => "rofs",
            Errno::Spipe => "spipe",
            Errno::Srch => "srch",
            Errno::Stale => "stale",
            Errno::Timedout => "timedout",
            Errno::Txtbsy => "txtbsy",
            Errno::Xdev => "xdev",
            Errno::Notcapable => "notcapable",
        }
    }
}

impl From<Errno> for u16 {
    fn from(e: Errno) -> u16 {
        e.raw()
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.name(), self.raw())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_witx_order() {
        for (i, e) in Errno::ALL.iter().enumerate() {
            assert_eq!(usize::from(e.raw()), i);
            assert_eq!(Errno::from_raw(e.raw()), Some(*e));
        }
        assert_eq!(Errno::Success.raw(), 0);
        assert_eq!(Errno::TooBig.raw(), 1);
        assert_eq!(Errno::Badf.raw(), 8);
        assert_eq!(Errno::Fault.raw(), 21);
        assert_eq!(Errno::Inval.raw(), 28);
        assert_eq!(Errno::Io.raw(), 29);
        assert_eq!(Errno::Nosys.raw(), 52);
        assert_eq!(Errno::Notsup.raw(), 58);
        assert_eq!(Errno::Spipe.raw(), 70);
        assert_eq!(Errno::Notcapable.raw(), 76);
        assert_eq!(Errno::from_raw(77), None);
        assert_eq!(Errno::TooBig.name(), "2big");
    }
}
