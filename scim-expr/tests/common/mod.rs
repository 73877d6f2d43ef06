//! What several integration tests share (each uses part of it).
#![allow(dead_code)]

use std::convert::Infallible;

use scim_expr::overlay::{kept_elements, Host, Lazy};
use scim_expr::{Node, View};
use serde_json::Value;

/// xorshift64*: reproducible choices without a dependency, so that a failing generated case reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of `items` (not empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A host that offers only the reads a binding's host must: equality, member counts and hashing go through the
/// engine's generic walks, as they do for Python dicts, instead of `Value`'s own.
#[derive(Debug, Clone, Copy)]
pub struct Plain<'v>(pub &'v Value);

impl Node for Plain<'_> {
    type Error = Infallible;

    fn view(&self) -> Result<View<'_>, Infallible> {
        self.0.view()
    }

    fn get(&self, name: &str) -> Result<Option<Self>, Infallible> {
        Ok(Node::get(&self.0, name)?.map(Plain))
    }

    fn index(&self, i: usize) -> Result<Option<Self>, Infallible> {
        Ok(Node::index(&self.0, i)?.map(Plain))
    }

    fn any_member(&self, f: &mut dyn FnMut(&Self) -> Result<bool, Infallible>) -> Result<bool, Infallible> {
        self.0.any_member(&mut |v| f(&Plain(v)))
    }
}

impl Host for Plain<'_> {
    fn member(&self, key: &str) -> Result<Option<Self>, Infallible> {
        Ok(self.0.member(key)?.map(Plain))
    }

    fn members(&self, f: &mut dyn FnMut(&str, Self) -> Result<bool, Infallible>) -> Result<(), Infallible> {
        self.0.members(&mut |k, v| f(k, Plain(v)))
    }
}

pub fn plain_value(lazy: &Lazy<Plain<'_>>) -> Value {
    match lazy {
        Lazy::Host(p) => p.0.clone(),
        Lazy::Owned(v) => v.clone(),
        Lazy::Object(members) => Value::Object(members.iter().map(|(k, v)| (k.clone(), plain_value(v))).collect()),
        Lazy::Array(items) => Value::Array(items.iter().map(plain_value).collect()),
        Lazy::Spliced { host, removed, appended } => Value::Array(
            kept_elements(host.0.as_array().map_or(&[][..], Vec::as_slice), removed)
                .cloned()
                .chain(appended.iter().cloned())
                .collect(),
        ),
    }
}
