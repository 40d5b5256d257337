//! `response` module for JS: a registry object, explanations and diagnoses as JSON.

use poscore::response::{Context, Event, Lang, Registry, Request};
use wasm_bindgen::prelude::*;

use crate::{js_error, to_json};

/// A response-code registry (bundled profile or acquirer JSON profile).
#[wasm_bindgen]
#[derive(Debug)]
pub struct ResponseRegistry(Registry);

#[wasm_bindgen]
impl ResponseRegistry {
    /// A bundled profile: `iso` or `unionpay`.
    pub fn bundled(name: &str) -> Result<ResponseRegistry, JsValue> {
        Registry::bundled(name).map(Self).map_err(js_error)
    }

    /// An acquirer profile over its base.
    #[wasm_bindgen(js_name = fromProfileJson)]
    pub fn from_profile_json(json: &str) -> Result<ResponseRegistry, JsValue> {
        Registry::from_profile_json(json).map(Self).map_err(js_error)
    }

    /// Profile name.
    pub fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// JSON of the explanation of `code` in `lang`.
    pub fn explain(&self, code: &str, lang: &str) -> Result<String, JsValue> {
        let lang = Lang::parse(lang).map_err(js_error)?;
        to_json(&self.0.explain(code, lang))
    }

    /// JSON of the diagnosis report for `event` (host code or local failure key) on `request`.
    pub fn diagnose(&self, request: &str, event: &str, lang: &str) -> Result<String, JsValue> {
        let request = Request::parse(request).map_err(js_error)?;
        let ctx = Context::from_key(request, event).map_err(js_error)?;
        let lang = Lang::parse(lang).map_err(js_error)?;
        to_json(&self.0.diagnose(&ctx).report(&self.0, lang))
    }
}

#[wasm_bindgen(js_name = responseParseLang)]
pub fn parse_lang(tag: &str) -> Result<String, JsValue> {
    Lang::parse(tag).map(|l| l.as_str().to_owned()).map_err(js_error)
}

#[wasm_bindgen(js_name = responseParseEvent)]
pub fn parse_event(key: &str) -> Result<String, JsValue> {
    Event::parse(key).map(|e| e.key()).map_err(js_error)
}
