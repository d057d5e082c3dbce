//! placeholder
use super::{ActionContext, ProposedAction, Refusal};
/// x
pub fn parse_text(_ctx: &ActionContext, _text: &str) -> Vec<Result<ProposedAction, Refusal>> {
    Vec::new()
}
