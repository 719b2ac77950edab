//! The crate's one error type.

/// Everything ingest can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The configuration is invalid; `field` names the offending key.
    #[error("invalid ingest configuration: {field}: {reason}")]
    Config { field: String, reason: String },
    /// A subscription path does not parse.
    #[error("invalid gNMI path '{path}': {reason}")]
    Path { path: String, reason: String },
    /// The endpoint address is not a usable URI.
    #[error("endpoint '{endpoint}': {source}")]
    Endpoint {
        endpoint: String,
        #[source]
        source: tonic::transport::Error,
    },
    /// The target refused or broke the Subscribe RPC.
    #[error("endpoint '{endpoint}' target '{target}': {source}")]
    Subscribe {
        endpoint: String,
        target: String,
        #[source]
        source: Box<tonic::Status>,
    },
    /// The target ended the subscription stream.
    #[error("endpoint '{endpoint}' target '{target}': the subscription stream ended")]
    StreamEnded { endpoint: String, target: String },
    /// The target sent an in-band error.
    #[error("endpoint '{endpoint}' target '{target}': target error: {message}")]
    Target { endpoint: String, target: String, message: String },
    /// A message from the target is not a valid `SubscribeResponse`.
    #[error("malformed gNMI message: {reason}")]
    Decode { reason: &'static str },
    /// Nobody receives ingest events any more.
    #[error("the consumer of ingest events is gone")]
    ConsumerGone,
}

impl IngestError {
    pub(crate) fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        IngestError::Config { field: field.into(), reason: reason.into() }
    }
}

/// Result with [`IngestError`].
pub type Result<T, E = IngestError> = std::result::Result<T, E>;
