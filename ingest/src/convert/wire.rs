//! A minimal protobuf wire reader over a borrowed buffer: tags, varints, length-delimited slices, no allocation.

/// A malformed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireError(pub &'static str);

/// One field's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Len(&'a [u8]),
    Fixed32(u32),
}

/// Iterates the fields of one message.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The next `(field number, payload)`, `None` at the end.
    #[inline(always)]
    pub fn field(&mut self) -> Result<Option<(u32, Field<'a>)>, WireError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| WireError("field number out of range"))?;
        let field = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => Field::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| WireError("fixed64"))?)),
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| WireError("length out of range"))?;
                Field::Len(self.take(len)?)
            }
            5 => Field::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| WireError("fixed32"))?)),
            _ => return Err(WireError("unsupported wire type (groups are not used by gNMI)")),
        };
        if number == 0 {
            return Err(WireError("field number 0"));
        }
        Ok(Some((number, field)))
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len()).ok_or(WireError("truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64, WireError> {
        if let Some(&b) = self.buf.get(self.pos).filter(|b| **b < 0x80) {
            self.pos += 1;
            return Ok(u64::from(b));
        }
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or(WireError("truncated varint"))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(WireError("varint longer than 10 bytes"))
    }
}

/// A length-delimited field as UTF-8 text.
#[inline]
pub fn text(b: &[u8]) -> Result<&str, WireError> {
    std::str::from_utf8(b).map_err(|_| WireError("string is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_wire_type_and_rejects_truncation() {
        // field 1 varint 300, field 2 "hi", field 3 fixed64 7, field 4 fixed32 9
        let buf = [0x08, 0xac, 0x02, 0x12, 2, b'h', b'i', 0x19, 7, 0, 0, 0, 0, 0, 0, 0, 0x25, 9, 0, 0, 0];
        let mut r = Reader::new(&buf);
        assert_eq!(r.field().unwrap(), Some((1, Field::Varint(300))));
        assert_eq!(r.field().unwrap(), Some((2, Field::Len(b"hi"))));
        assert_eq!(r.field().unwrap(), Some((3, Field::Fixed64(7))));
        assert_eq!(r.field().unwrap(), Some((4, Field::Fixed32(9))));
        assert_eq!(r.field().unwrap(), None);
        for cut in 1..buf.len() {
            let mut r = Reader::new(&buf[..cut]);
            let all: Result<Vec<_>, _> = std::iter::from_fn(|| r.field().transpose()).collect();
            if ![3, 7, 16].contains(&cut) {
                assert!(all.is_err(), "cut at {cut} should be truncated");
            }
        }
    }
}
