//! Compressed JSON columns: an event's `payload` and an entity's `data`.
//!
//! Both are written as one zstd frame each (a BLOB), compressed with a dictionary trained on
//! the gateways' messages and shipped in the binary (`dict/payloads-v1.zdict`, made by
//! `dict/train.py`). A payload of the simulator's mix shrinks ~5× (594 → ~115 bytes): that
//! many fewer bytes for SQLite to copy into its pages, append to the WAL and copy again at
//! the checkpoint, which was a fifth of its time per event. Rows written before (and any
//! value that would not shrink) stay JSON text; reads take both.
//!
//! The frames are standard: with the dictionary (`SELECT dict FROM payload_dicts`, written
//! into every file) `zstd -D dict -d` reads them outside Gatewatch. Each frame names its
//! dictionary's id, so a later dictionary gets a new id and older rows stay readable.

use std::cell::RefCell;
use std::sync::LazyLock;

use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

use crate::StoreError;

/// The dictionary every frame written by this build uses.
pub(crate) const DICT: &[u8] = include_bytes!("../dict/payloads-v1.zdict");
/// Its id, as written in its header and in every frame compressed with it.
pub(crate) const DICT_ID: u32 = 0x4757_0001;
/// zstd's level 1: at these sizes higher levels gain ~5 % in size for ~30 % more time.
const LEVEL: i32 = 1;
/// The first bytes of every zstd frame (never the first bytes of JSON text).
const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// Values shorter than this are stored as text: a frame's header would eat the gain.
const MIN_LEN: usize = 48;
/// The largest value a frame may claim to hold (frames are at most 1 MiB on the wire): a
/// damaged file can't make a read allocate gigabytes.
const MAX_LEN: u64 = 16 << 20;

static ENCODER: LazyLock<EncoderDictionary<'static>> =
    LazyLock::new(|| EncoderDictionary::copy(DICT, LEVEL));
static DECODER: LazyLock<DecoderDictionary<'static>> =
    LazyLock::new(|| DecoderDictionary::copy(DICT));

thread_local! {
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

/// A JSON column as it is bound: a zstd frame, or the text itself when that is as small.
#[derive(Debug)]
pub(crate) enum Packed {
    /// A zstd frame (bound as a BLOB).
    Frame(Vec<u8>),
    /// The JSON text (bound as TEXT).
    Text(String),
}

impl Packed {
    /// Bytes this value takes in its row.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Packed::Frame(b) => b.len(),
            Packed::Text(t) => t.len(),
        }
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Sqlite> for Packed {
    fn encode_by_ref(
        &self,
        buf: &mut Vec<sqlx::sqlite::SqliteArgumentValue<'q>>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self {
            Packed::Frame(b) => b.clone().encode(buf),
            Packed::Text(t) => t.clone().encode(buf),
        }
    }

    fn encode(
        self,
        buf: &mut Vec<sqlx::sqlite::SqliteArgumentValue<'q>>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self {
            Packed::Frame(b) => b.encode(buf),
            Packed::Text(t) => t.encode(buf),
        }
    }
}

impl sqlx::Type<sqlx::Sqlite> for Packed {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <Vec<u8> as sqlx::Type<sqlx::Sqlite>>::type_info()
    }

    fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
        <Vec<u8> as sqlx::Type<sqlx::Sqlite>>::compatible(ty)
    }
}

/// Make sure the file holds the dictionary this build compresses with (`payload_dicts`).
pub(crate) async fn record_dictionary(pool: &sqlx::SqlitePool) -> Result<(), StoreError> {
    sqlx::query("INSERT OR IGNORE INTO payload_dicts (id, dict) VALUES (?, ?)")
        .bind(i64::from(DICT_ID))
        .bind(DICT)
        .execute(pool)
        .await?;
    Ok(())
}

/// Compress one JSON text for its column.
pub(crate) fn pack(text: String) -> Result<Packed, StoreError> {
    if text.len() < MIN_LEN {
        return Ok(Packed::Text(text));
    }
    let frame = COMPRESSOR
        .with(|c| -> std::io::Result<Vec<u8>> {
            let mut c = c.borrow_mut();
            let c = match &mut *c {
                Some(c) => c,
                none => none.insert(Compressor::with_prepared_dictionary(&ENCODER)?),
            };
            c.compress(text.as_bytes())
        })
        .map_err(StoreError::Compress)?;
    Ok(if frame.len() < text.len() {
        Packed::Frame(frame)
    } else {
        Packed::Text(text)
    })
}

/// A JSON column as read: a zstd frame of this module's, or text (rows from before, short
/// values). `column` (`"events.payload"`) names it in errors.
pub(crate) fn unpack(bytes: Vec<u8>, column: &'static str) -> Result<String, StoreError> {
    String::from_utf8(unpack_bytes(bytes, column)?).map_err(|_| StoreError::CorruptRow {
        table: column,
        message: "neither UTF-8 text nor a zstd frame of it".into(),
    })
}

/// [`unpack`] without the UTF-8 check: the JSON's bytes (for a search that only looks).
pub(crate) fn unpack_bytes(bytes: Vec<u8>, column: &'static str) -> Result<Vec<u8>, StoreError> {
    let corrupt = |message: String| StoreError::CorruptRow {
        table: column,
        message,
    };
    if !bytes.starts_with(&MAGIC) {
        return Ok(bytes);
    }
    match zstd::zstd_safe::get_dict_id_from_frame(&bytes) {
        Some(id) if id.get() == DICT_ID => {}
        other => {
            return Err(corrupt(format!(
                "compressed with dictionary {:#x}, which this build does not have",
                other.map_or(0, |id| id.get())
            )))
        }
    }
    let len = match zstd::zstd_safe::get_frame_content_size(&bytes) {
        Ok(Some(n)) if n <= MAX_LEN => n as usize,
        _ => return Err(corrupt("a zstd frame without a plausible size".into())),
    };
    let out = DECOMPRESSOR.with(|d| -> std::io::Result<Vec<u8>> {
        let mut d = d.borrow_mut();
        let d = match &mut *d {
            Some(d) => d,
            none => none.insert(Decompressor::with_prepared_dictionary(&DECODER)?),
        };
        d.decompress(&bytes, len)
    });
    out.map_err(|e| corrupt(format!("zstd: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_dictionary_has_the_id_frames_are_checked_against() {
        // A zstd dictionary: magic 0xEC30A437, then its id, both little-endian.
        assert_eq!(DICT[..4], [0x37, 0xa4, 0x30, 0xec]);
        assert_eq!(u32::from_le_bytes(DICT[4..8].try_into().unwrap()), DICT_ID);
    }

    #[test]
    fn values_round_trip_and_document_sized_ones_shrink() {
        let position = r#"{"created_at":"2026-12-02T08:10:09.335Z","data":{"chain":"solana","id":"dm_pos_4ba4b9f2612880e44169","leverage":2.0,"market":{"id":"dm_mkt_ethflip","outcome":"YES"},"object":"position","risk":{"at_risk":false,"health":1.285},"side":"no","status":"closing"},"id":"evt_7962686baf7734700b9acb5f","type":"position.close_requested"}"#;
        let packed = pack(position.to_owned()).unwrap();
        assert!(matches!(packed, Packed::Frame(_)));
        assert!(packed.len() * 2 < position.len(), "{} bytes", packed.len());
        let Packed::Frame(bytes) = packed else {
            unreachable!()
        };
        assert_eq!(unpack(bytes, "events.payload").unwrap(), position);
        for text in [
            "{}",
            r#"{"a":1}"#,
            "[\"\u{1F600} é\",null]",
            &"x".repeat(5000),
        ] {
            let back = match pack(text.to_owned()).unwrap() {
                Packed::Frame(b) => b,
                Packed::Text(t) => t.into_bytes(),
            };
            assert_eq!(unpack(back, "events.payload").unwrap(), text);
        }
    }

    #[test]
    fn text_rows_read_as_text_and_damaged_frames_are_errors_naming_the_column() {
        assert_eq!(
            unpack(br#"{"a":1}"#.to_vec(), "entities.data").unwrap(),
            r#"{"a":1}"#
        );
        let Packed::Frame(mut frame) =
            pack("{\"k\":\"".to_owned() + &"v".repeat(200) + "\"}").unwrap()
        else {
            panic!("not compressed")
        };
        let n = frame.len();
        frame.truncate(n - 3);
        let err = unpack(frame, "entities.data").unwrap_err().to_string();
        assert!(err.contains("entities.data"), "{err}");
        let other = zstd::bulk::compress(&[b'{'; 300], 1).unwrap();
        let err = unpack(other, "events.payload").unwrap_err().to_string();
        assert!(err.contains("dictionary"), "{err}");
    }
}
