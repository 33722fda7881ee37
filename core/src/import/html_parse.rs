//! One idea: HTML parsed within a budget — html5ever's tree builder, fed a
//! piece at a time, over a sink that counts what it really does.
//!
//! html5ever is a faithful HTML parser, and HTML's error recovery is costly
//! on hostile markup: the tree builder scans its stack of open elements for
//! most tags (`<div/>` does not close — the slash means nothing in HTML — so
//! 20,000 of them make a stack 20,000 deep that every further `<div>`
//! scans), the list of active formatting elements for every formatting tag,
//! and its tokenizer checks each attribute of a tag against all the others.
//! Readability (dom_smoothie) then walks every element's subtree.
//!
//! So every parse of untrusted HTML in kanbao goes through [`parse`], which
//! bounds the work by what the parser really does, not by a guess from the
//! source text:
//!
//! - a [`TreeSink`] around dom_query's `Document` counts the tree builder's
//!   calls (each element it looks at on its stack, each node it compares,
//!   creates or moves; the depth of each node it inserts, which is also what
//!   Readability's walks cost), and the depth and number of the nodes;
//! - the input is fed in pieces of [`PIECE`] bytes; between pieces, when
//!   the work passes [`MAX_WORK`], the nodes [`MAX_NODES`] or the depth
//!   [`MAX_DEPTH`], parsing stops there: the tree read so far is kept and
//!   the [`Cut`] says where and why;
//! - the tokenizer's attribute check, which the sink does not see, is
//!   bounded before parsing: [`attribute_work`] follows every way the
//!   tokenizer could be reading a tag (without knowing whether it is in a
//!   comment or a script) and finds where the checks would pass
//!   [`MAX_WORK`]; the input is cut there;
//! - what was not parsed is not lost: [`plain_text`] reads it as plain text
//!   (tags dropped, entities decoded, scripts and styles skipped, a
//!   paragraph per block element), in one linear pass.
//!
//! Real pages are far from these limits (a long news page: a few thousand
//! elements and about 10⁵ units of work); see the tests.

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use dom_query::{Document, NodeId};
use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{Attribute, ParseOpts, QualName, local_name, ns};

/// Most units of parser work one HTML text may cost (see the module
/// documentation): about a second of parsing and extraction in a release
/// build, and far more than any real page needs.
pub const MAX_WORK: u64 = 1 << 25;

/// Most nodes (elements, text runs, comments) read from one HTML text.
pub const MAX_NODES: usize = 200_000;

/// Deepest nesting of elements read from one HTML text.
pub const MAX_DEPTH: usize = 512;

/// How much of the input the parser is given at a time.
const PIECE: usize = 4096;

/// Why parsing stopped before the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// More than [`MAX_WORK`] units of work.
    Work,
    /// More than [`MAX_NODES`] nodes.
    Nodes,
    /// Elements nested more than [`MAX_DEPTH`] deep.
    Depth,
    /// The document's HTML together (a feed's entries) passed
    /// [`MAX_DOCUMENT_WORK`] or [`MAX_DOCUMENT_NODES`].
    Document,
}

/// Where and why parsing stopped before the end of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Byte offset in the input where parsing stopped.
    pub at: usize,
    /// The elements read by then.
    pub elements: usize,
    /// The limit passed.
    pub limit: Limit,
}

/// What every [`Cut::message`] says (how a cut is told from other problems).
pub const CUT_MARK: &str = "the rest as plain text: ";

impl Cut {
    /// What the cut means to a reader, in a sentence.
    pub fn message(&self) -> String {
        let (work, nodes, depth) = limits();
        let why = match self.limit {
            Limit::Work => format!(
                "its markup costs more than {work} units of parser work \
                 (broken or hostile nesting)"
            ),
            Limit::Nodes => format!("it has more than {nodes} nodes"),
            Limit::Depth => format!("its elements nest more than {depth} levels deep"),
            Limit::Document => format!(
                "the HTML of the whole document together passed its budget \
                 (at least {MAX_DOCUMENT_NODES} nodes or {MAX_DOCUMENT_WORK} units of parser work)"
            ),
        };
        format!(
            "HTML read as markup for its first {} bytes ({} elements), {CUT_MARK}{why}",
            self.at, self.elements
        )
    }
}

/// An HTML text parsed within the budget.
pub struct Parsed {
    /// The tree read.
    pub doc: Document,
    /// Where parsing stopped, if before the end.
    pub cut: Option<Cut>,
    /// The units of work it cost (for tests and measurements).
    pub work: u64,
    /// The nodes it made.
    pub nodes: usize,
}

/// The budget of one parse: [`MAX_WORK`], [`MAX_NODES`], [`MAX_DEPTH`]
/// (smaller in tests, to check the counting quickly).
#[derive(Clone, Copy, Debug)]
struct Limits {
    work: u64,
    nodes: usize,
    depth: usize,
    /// How much input is given to the parser at a time.
    piece: usize,
}

/// The limits in force: the constants, divided by [`scale_down`]'s factor.
static SCALE: AtomicU32 = AtomicU32::new(1);

/// Divides every limit by `factor` for the rest of the process: for the
/// fuzz targets, where a hostile input at the real limits costs seconds
/// under AddressSanitizer. The logic is the same, with smaller numbers.
/// Not part of the API.
#[doc(hidden)]
pub fn scale_down(factor: u32) {
    SCALE.store(factor.max(1), Ordering::Relaxed);
}

/// The limits in force: work, nodes, depth (see [`scale_down`]).
pub fn limits() -> (u64, usize, usize) {
    let scale = SCALE.load(Ordering::Relaxed);
    let n = scale as usize;
    (
        MAX_WORK / u64::from(scale),
        MAX_NODES / n,
        (MAX_DEPTH / n).max(8),
    )
}

/// Most units of parser work all the HTML of one document may cost
/// together, at least: a feed's entries (and a page's content, parsed
/// again) share it, so that many texts just under [`MAX_WORK`] cost no
/// more than a few. A document bigger than 32 MiB (a local file) has
/// [`DOCUMENT_WORK_PER_BYTE`] units per byte.
pub const MAX_DOCUMENT_WORK: u64 = 4 * MAX_WORK;

/// Units of work per byte of a big document (ordinary HTML costs 0.1 to 2).
pub const DOCUMENT_WORK_PER_BYTE: u64 = 4;

/// Most nodes all the HTML of one document may make together, at least (a
/// feed of 5,000 ordinary entries makes about a quarter of that); a
/// document bigger than 8 MB has one node per [`DOCUMENT_BYTES_PER_NODE`]
/// bytes (ordinary HTML has one per 20 to 40).
pub const MAX_DOCUMENT_NODES: usize = 1_000_000;

/// Bytes of a big document per node of its budget.
pub const DOCUMENT_BYTES_PER_NODE: usize = 8;

/// The budget all the HTML of one document draws on, besides each text's
/// own: installed for a thread by [`with_budget`] (the feed importer does,
/// on each thread it converts entries on), taken by every [`parse`] there.
#[derive(Debug)]
pub struct SharedBudget {
    work: AtomicU64,
    nodes: AtomicUsize,
}

impl SharedBudget {
    /// The budget of a document of `bytes` bytes: [`MAX_DOCUMENT_WORK`]
    /// and [`MAX_DOCUMENT_NODES`], or more for a big one.
    pub fn for_document(bytes: usize) -> Arc<SharedBudget> {
        Arc::new(SharedBudget {
            work: AtomicU64::new(MAX_DOCUMENT_WORK.max(DOCUMENT_WORK_PER_BYTE * bytes as u64)),
            nodes: AtomicUsize::new(MAX_DOCUMENT_NODES.max(bytes / DOCUMENT_BYTES_PER_NODE)),
        })
    }

    fn spend(&self, work: u64, nodes: usize) {
        let _ = self
            .work
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| {
                Some(w.saturating_sub(work))
            });
        let _ = self
            .nodes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(nodes))
            });
    }
}

thread_local! {
    static SHARED: RefCell<Option<Arc<SharedBudget>>> = const { RefCell::new(None) };
}

/// Runs `f` with every [`parse`] on this thread drawing on `budget` too
/// (`None`: on none), then puts back the one before.
pub fn with_budget<T>(budget: Option<Arc<SharedBudget>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<SharedBudget>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SHARED.set(self.0.take());
        }
    }
    let _restore = Restore(SHARED.replace(budget));
    f()
}

/// The budget [`with_budget`] installed on this thread, to install it on
/// another.
pub fn current_budget() -> Option<Arc<SharedBudget>> {
    SHARED.with_borrow(Clone::clone)
}

/// Parses a whole document (`fragment == false`) or a fragment in a `body`
/// within the budget; see the module documentation.
pub fn parse(html: &str, fragment: bool) -> Parsed {
    let (work, nodes, depth) = limits();
    let own = Limits {
        work,
        nodes,
        depth,
        piece: PIECE,
    };
    let Some(shared) = current_budget() else {
        return parse_within(html, fragment, own);
    };
    let limits = Limits {
        work: own.work.min(shared.work.load(Ordering::Relaxed)),
        nodes: own.nodes.min(shared.nodes.load(Ordering::Relaxed)),
        ..own
    };
    let mut parsed = parse_within(html, fragment, limits);
    shared.spend(parsed.work, parsed.nodes);
    if let Some(cut) = &mut parsed.cut
        && (cut.limit == Limit::Work && limits.work < own.work
            || cut.limit == Limit::Nodes && limits.nodes < own.nodes)
    {
        cut.limit = Limit::Document;
    }
    parsed
}

fn parse_within(html: &str, fragment: bool, limits: Limits) -> Parsed {
    let limit = attribute_work(html, limits.work);
    let sink = Budget::new(
        limits,
        if fragment {
            Document::fragment_sink()
        } else {
            Document::default()
        },
    );
    let opts = ParseOpts {
        tokenizer: Default::default(),
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            scripting_enabled: false,
            drop_doctype: fragment,
            ..Default::default()
        },
    };
    let mut parser = if fragment {
        html5ever::parse_fragment(
            sink,
            opts,
            QualName::new(None, ns!(html), local_name!("body")),
            Vec::new(),
            false,
        )
    } else {
        html5ever::parse_document(sink, opts)
    };
    let end = limit.unwrap_or(html.len());
    let mut at = 0;
    let mut cut = None;
    while at < end {
        let mut next = (at + limits.piece).min(end);
        if next < end {
            // End the piece before a `<`, so that where parsing stops is
            // between tags, not inside one (it is where the rest starts).
            match memchr::memrchr(b'<', &html.as_bytes()[at + 1..next]) {
                Some(lt) => next = at + 1 + lt,
                None => {
                    while !html.is_char_boundary(next) {
                        next += 1;
                    }
                }
            }
        }
        parser.process(StrTendril::from_slice(&html[at..next]));
        at = next;
        let sink = &parser.tokenizer.sink.sink;
        if let Some(limit) = sink.passed() {
            cut = Some(Cut {
                at,
                elements: sink.elements.get(),
                limit,
            });
            break;
        }
    }
    if cut.is_none()
        && let Some(at) = limit
    {
        let sink = &parser.tokenizer.sink.sink;
        cut = Some(Cut {
            at,
            elements: sink.elements.get(),
            limit: Limit::Work,
        });
    }
    let work = parser.tokenizer.sink.sink.work.get();
    let nodes = parser.tokenizer.sink.sink.nodes.get();
    let doc = parser.finish();
    flatten_deep(&doc, limits.depth);
    Parsed {
        doc,
        cut,
        work,
        nodes,
    }
}

/// dom_query's `Document`, with the work the tree builder does counted.
struct Budget {
    doc: Document,
    work: Cell<u64>,
    nodes: Cell<usize>,
    elements: Cell<usize>,
    /// The depth of each element (and of the root, 0), as inserted.
    depth: RefCell<HashMap<NodeId, u32>>,
    deepest: Cell<usize>,
    limits: Limits,
}

impl Budget {
    fn new(limits: Limits, doc: Document) -> Budget {
        let mut depth = HashMap::new();
        depth.insert(doc.tree.root_id(), 0);
        Budget {
            doc,
            work: Cell::new(0),
            nodes: Cell::new(0),
            elements: Cell::new(0),
            depth: RefCell::new(depth),
            deepest: Cell::new(0),
            limits,
        }
    }

    fn add(&self, units: u64) {
        self.work.set(self.work.get().saturating_add(units));
    }

    /// The limit passed so far, if any.
    fn passed(&self) -> Option<Limit> {
        if self.deepest.get() > self.limits.depth {
            Some(Limit::Depth)
        } else if self.nodes.get() > self.limits.nodes {
            Some(Limit::Nodes)
        } else if self.work.get() > self.limits.work {
            Some(Limit::Work)
        } else {
            None
        }
    }

    fn depth_of(&self, node: &NodeId) -> u32 {
        self.depth.borrow().get(node).copied().unwrap_or(0)
    }

    /// Records that `child` now sits under `parent`; costs its depth.
    fn placed(&self, child: &NodeOrText<NodeId>, parent_depth: u32) {
        let depth = parent_depth + 1;
        self.add(u64::from(depth));
        match child {
            NodeOrText::AppendText(_) => self.nodes.set(self.nodes.get() + 1),
            NodeOrText::AppendNode(id) => {
                let mut depths = self.depth.borrow_mut();
                if let Some(d) = depths.get_mut(id) {
                    // A formatting element: the tree builder compares it with
                    // the open ones (up to its depth), attribute by attribute.
                    *d = depth;
                    self.deepest.set(self.deepest.get().max(depth as usize));
                    let attrs = self
                        .doc
                        .tree
                        .query_node_or(id, 0, |n| n.as_element().map_or(0, |e| e.attrs.len()));
                    self.add(u64::from(depth) * attrs as u64);
                }
            }
        }
    }
}

impl TreeSink for Budget {
    type Handle = NodeId;
    type Output = Document;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Document {
        self.doc
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {
        // Not kept: hostile markup makes millions of them.
        self.add(1);
    }

    fn get_document(&self) -> NodeId {
        self.doc.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        self.add(1);
        self.doc.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.add(1 + attrs.len() as u64);
        let template = flags.template;
        let id = self.doc.create_element(name, attrs, flags);
        self.nodes.set(self.nodes.get() + 1 + usize::from(template));
        self.elements.set(self.elements.get() + 1);
        let mut depths = self.depth.borrow_mut();
        depths.insert(id, 0);
        if template {
            let contents = self.doc.get_template_contents(&id);
            depths.insert(contents, 0);
        }
        id
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.add(1);
        self.nodes.set(self.nodes.get() + 1);
        self.doc.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.add(1);
        self.nodes.set(self.nodes.get() + 1);
        self.doc.create_pi(target, data)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.placed(&child, self.depth_of(parent));
        self.doc.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let depth = self.depth_of(element).max(self.depth_of(prev_element));
        self.placed(&child, depth);
        self.doc
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.add(1);
        self.doc
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.add(1);
        self.doc.get_template_contents(target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.add(1);
        x == y
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.doc.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        let depth = self.depth_of(sibling).saturating_sub(1);
        self.placed(&new_node, depth);
        self.doc.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        let had = self
            .doc
            .tree
            .query_node_or(target, 0, |n| n.as_element().map_or(0, |e| e.attrs.len()));
        self.add(1 + attrs.len() as u64 * (had as u64 + 1));
        self.doc.add_attrs_if_missing(target, attrs);
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.add(1);
        self.doc.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        let depth = self.depth_of(new_parent) + 1;
        let children = self.doc.tree.child_ids_of(node);
        self.add(1 + children.len() as u64 * u64::from(depth));
        {
            let mut depths = self.depth.borrow_mut();
            for child in &children {
                if let Some(d) = depths.get_mut(child) {
                    *d = depth;
                }
            }
        }
        self.deepest.set(self.deepest.get().max(depth as usize));
        self.doc.reparent_children(node, new_parent);
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &NodeId) -> bool {
        self.doc.is_mathml_annotation_xml_integration_point(handle)
    }
}

/// Makes sure no element is nested deeper than [`MAX_DEPTH`]: the depths the
/// sink records do not follow a subtree the tree builder moves (the
/// adoption agency does), so the tree is checked once more. An element at
/// the deepest level keeps the text of what was nested in it, as text.
fn flatten_deep(doc: &Document, max: usize) {
    let mut stack = vec![(doc.root(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth >= max && node.is_element() {
            if node.children_it(false).any(|c| c.is_element()) {
                let text: String = node
                    .descendants_it()
                    .filter(|d| d.is_text())
                    .map(|d| d.text().to_string())
                    .collect();
                node.remove_children();
                node.set_text(text);
            }
            continue;
        }
        stack.extend(node.children_it(true).map(|c| (c, depth + 1)));
    }
}

// ---------------------------------------------------------------------------
// The tokenizer's attribute check

/// States of the HTML tokenizer within a tag (WHATWG HTML §13.2.5).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagState {
    Open,
    EndOpen,
    Name,
    BeforeAttrName,
    AttrName,
    AfterAttrName,
    BeforeValue,
    DoubleQuoted,
    SingleQuoted,
    Unquoted,
    AfterQuoted,
    SelfClosing,
}

const TAG_STATES: usize = 12;

impl TagState {
    fn index(self) -> usize {
        self as usize
    }

    const ALL: [TagState; TAG_STATES] = [
        TagState::Open,
        TagState::EndOpen,
        TagState::Name,
        TagState::BeforeAttrName,
        TagState::AttrName,
        TagState::AfterAttrName,
        TagState::BeforeValue,
        TagState::DoubleQuoted,
        TagState::SingleQuoted,
        TagState::Unquoted,
        TagState::AfterQuoted,
        TagState::SelfClosing,
    ];
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// One byte in a tag state: the next state (`None`: the tag ended or was
/// not one), and whether a new attribute started.
fn tag_step(state: TagState, b: u8) -> (Option<TagState>, bool) {
    use TagState::*;
    match state {
        Open => match b {
            b'/' => (Some(EndOpen), false),
            _ if b.is_ascii_alphabetic() => (Some(Name), false),
            _ => (None, false),
        },
        EndOpen => match b {
            _ if b.is_ascii_alphabetic() => (Some(Name), false),
            _ => (None, false),
        },
        Name => match b {
            _ if is_space(b) => (Some(BeforeAttrName), false),
            b'/' => (Some(SelfClosing), false),
            b'>' => (None, false),
            _ => (Some(Name), false),
        },
        BeforeAttrName => match b {
            _ if is_space(b) => (Some(BeforeAttrName), false),
            b'/' => (Some(SelfClosing), false),
            b'>' => (None, false),
            _ => (Some(AttrName), true),
        },
        AttrName => match b {
            _ if is_space(b) => (Some(AfterAttrName), false),
            b'/' => (Some(SelfClosing), false),
            b'>' => (None, false),
            b'=' => (Some(BeforeValue), false),
            _ => (Some(AttrName), false),
        },
        AfterAttrName => match b {
            _ if is_space(b) => (Some(AfterAttrName), false),
            b'/' => (Some(SelfClosing), false),
            b'=' => (Some(BeforeValue), false),
            b'>' => (None, false),
            _ => (Some(AttrName), true),
        },
        BeforeValue => match b {
            _ if is_space(b) => (Some(BeforeValue), false),
            b'"' => (Some(DoubleQuoted), false),
            b'\'' => (Some(SingleQuoted), false),
            b'>' => (None, false),
            _ => (Some(Unquoted), false),
        },
        DoubleQuoted => match b {
            b'"' => (Some(AfterQuoted), false),
            _ => (Some(DoubleQuoted), false),
        },
        SingleQuoted => match b {
            b'\'' => (Some(AfterQuoted), false),
            _ => (Some(SingleQuoted), false),
        },
        Unquoted => match b {
            _ if is_space(b) => (Some(BeforeAttrName), false),
            b'>' => (None, false),
            _ => (Some(Unquoted), false),
        },
        AfterQuoted => match b {
            _ if is_space(b) => (Some(BeforeAttrName), false),
            b'/' => (Some(SelfClosing), false),
            b'>' => (None, false),
            _ => (Some(AttrName), true),
        },
        SelfClosing => match b {
            b'>' => (None, false),
            _ if is_space(b) => (Some(BeforeAttrName), false),
            b'/' => (Some(SelfClosing), false),
            _ => (Some(AttrName), true),
        },
    }
}

/// Where the tokenizer's duplicate-attribute checks (each attribute against
/// those before it in its tag) pass `budget` comparisons, if they do.
///
/// The tokenizer may be in a comment, a script or a style sheet where a
/// `<` starts nothing, which only the tree builder knows; so this assumes
/// every `<` may start a tag, and follows every tag that may be open at
/// once (one count per tokenizer state, the largest kept). It can only
/// count more than the tokenizer does, never less. Linear in the input.
fn attribute_work(html: &str, budget: u64) -> Option<usize> {
    let bytes = html.as_bytes();
    // The attributes so far of the tag being read in each state, if any.
    let mut states: [Option<u64>; TAG_STATES] = [None; TAG_STATES];
    let mut open = false;
    let mut work = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        if !open {
            // Only text: skip to the next `<`.
            match memchr::memchr(b'<', &bytes[i..]) {
                Some(n) => i += n,
                None => break,
            }
        }
        let b = bytes[i];
        let mut next: [Option<u64>; TAG_STATES] = [None; TAG_STATES];
        for state in TagState::ALL {
            let Some(count) = states[state.index()] else {
                continue;
            };
            let (to, new_attribute) = tag_step(state, b);
            if let Some(to) = to {
                let count = if new_attribute {
                    work += count;
                    count + 1
                } else {
                    count
                };
                let slot = &mut next[to.index()];
                *slot = Some(slot.map_or(count, |c| c.max(count)));
            }
        }
        if b == b'<' {
            let slot = &mut next[TagState::Open.index()];
            *slot = Some(slot.unwrap_or(0));
        }
        if work > budget {
            // Before the tag being read (or at least before this byte).
            let at = memchr::memrchr(b'<', &bytes[..=i]).unwrap_or(i);
            return Some(
                (0..=at)
                    .rev()
                    .find(|&a| html.is_char_boundary(a))
                    .unwrap_or(0),
            );
        }
        states = next;
        open = states.iter().any(Option::is_some);
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------
// What was not parsed, as plain text

/// Elements whose content is not text to read.
const SKIPPED: &[&str] = &[
    "iframe", "noembed", "noframes", "script", "style", "svg", "template", "textarea", "title",
    "xmp",
];

/// Elements that end a paragraph.
const BREAKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// HTML read as plain text, in one pass: tags and comments dropped, the
/// content of scripts, styles and the like skipped, character references
/// decoded, whitespace collapsed, a paragraph at each block element. For
/// what [`parse`] did not read: the text is not lost, only its markup.
pub fn plain_text(html: &str) -> Vec<String> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut i = 0;
    let push_text = |cur: &mut String, text: &str| {
        for (i, word) in text.split(|c: char| c.is_ascii_whitespace()).enumerate() {
            if i > 0 && !cur.is_empty() && !cur.ends_with(' ') {
                cur.push(' ');
            }
            decode_into(cur, word);
        }
    };
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        let p = cur.trim();
        if !p.is_empty() {
            out.push(p.to_owned());
        }
        cur.clear();
    };
    while i < bytes.len() {
        let Some(lt) = memchr::memchr(b'<', &bytes[i..]).map(|n| i + n) else {
            push_text(&mut cur, &html[i..]);
            break;
        };
        push_text(&mut cur, &html[i..lt]);
        let rest = &bytes[lt..];
        if rest.starts_with(b"<!--") {
            i = memchr::memmem::find(&rest[4..], b"-->").map_or(bytes.len(), |n| lt + 4 + n + 3);
            continue;
        }
        let name_start = lt + 1 + usize::from(rest.get(1) == Some(&b'/'));
        let is_tag = bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic);
        if !is_tag {
            if matches!(rest.get(1), Some(b'!' | b'?' | b'/')) {
                i = memchr::memchr(b'>', rest).map_or(bytes.len(), |n| lt + n + 1);
            } else {
                push_text(&mut cur, "<");
                i = lt + 1;
            }
            continue;
        }
        let name_end = bytes[name_start..]
            .iter()
            .position(|b| is_space(*b) || matches!(b, b'/' | b'>'))
            .map_or(bytes.len(), |n| name_start + n);
        let name = html[name_start..name_end].to_ascii_lowercase();
        // The end of the tag: the first `>` outside quoted attribute values.
        let mut state = Some(TagState::Name);
        let mut j = name_end;
        while let Some(s) = state {
            let Some(&b) = bytes.get(j) else { break };
            state = tag_step(s, b).0;
            j += 1;
        }
        i = j;
        if BREAKS.binary_search(&name.as_str()).is_ok() {
            flush(&mut cur, &mut out);
        }
        let start_tag = name_start == lt + 1;
        if start_tag && SKIPPED.binary_search(&name.as_str()).is_ok() {
            // Skip to the matching end tag.
            let close = format!("</{name}");
            let found = bytes[i.min(bytes.len())..]
                .windows(close.len())
                .position(|w| w.eq_ignore_ascii_case(close.as_bytes()));
            i = found.map_or(bytes.len(), |n| i + n);
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Appends `text` with its character references decoded (as HTML does in
/// text, approximately: the references html5ever knows, with or without
/// their `;`).
fn decode_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let (decoded, used) = reference(rest);
        match decoded {
            Some(s) => out.push_str(&s),
            None => out.push('&'),
        }
        rest = &rest[used.max(1)..];
    }
    out.push_str(rest);
}

/// The character reference at the start of `s` (which starts with `&`):
/// what it stands for and its length.
fn reference(s: &str) -> (Option<String>, usize) {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let from = if hex { 3 } else { 2 };
        let digits = b[from..]
            .iter()
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return (None, 1);
        }
        let value = u32::from_str_radix(&s[from..from + digits], if hex { 16 } else { 10 })
            .ok()
            .and_then(char::from_u32)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}');
        let semi = usize::from(b.get(from + digits) == Some(&b';'));
        return (Some(value.to_string()), from + digits + semi);
    }
    // The longest named reference that fits: names are at most 32 bytes.
    let name_len = b[1..]
        .iter()
        .take(33)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    for len in (1..=name_len).rev() {
        let with_semi = b.get(1 + len) == Some(&b';');
        let key_end = 1 + len + usize::from(with_semi);
        if let Some(&(a, c)) = html5ever::data::NAMED_ENTITIES.get(&s[1..key_end])
            && a != 0
        {
            let mut text: String = char::from_u32(a).into_iter().collect();
            text.extend(char::from_u32(c).filter(|_| c != 0));
            return (Some(text), key_end);
        }
    }
    (None, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = include_str!("../../../tests/fixtures/pages/article.html");

    /// Small limits, so that each hostile shape reaches them quickly.
    const SMALL: Limits = Limits {
        work: 200_000,
        nodes: 20_000,
        depth: 64,
        piece: 256,
    };

    fn page(inner: &str) -> String {
        format!("<html><body><p>开头。</p>{inner}<p>结尾。</p></body></html>")
    }

    #[test]
    fn real_pages_are_far_from_the_budget() {
        for (html, fragment) in [(ARTICLE, false), (ARTICLE, true)] {
            let parsed = parse(html, fragment);
            assert_eq!(parsed.cut, None);
            assert!(parsed.work < MAX_WORK / 100, "{}", parsed.work);
        }
        // A long but ordinary page: the work grows with its length only.
        let one = parse(
            &page(&"<p>一段<b>正文</b>，<a href=x>链接</a>。</p>".repeat(500)),
            false,
        );
        let four = parse(
            &page(&"<p>一段<b>正文</b>，<a href=x>链接</a>。</p>".repeat(2000)),
            false,
        );
        assert_eq!((&one.cut, &four.cut), (&None, &None));
        assert!(four.work < one.work * 5, "{} then {}", one.work, four.work);
    }

    /// Every shape of markup that costs html5ever more than its size: each
    /// is cut by the budget, and the work counted stays near the budget
    /// however long the input.
    #[test]
    fn every_hostile_shape_is_cut_within_the_budget() {
        let many_attrs: String = (0..3000).map(|i| format!(" a{i}")).collect();
        let distinct_b: String = (0..20_000).map(|i| format!("<b id={i}>x")).collect();
        let shapes: Vec<(&str, String)> = vec![
            ("self-closing divs", "<div/>".repeat(20_000)),
            ("open divs", "<div>".repeat(20_000)),
            (
                "stray end tags",
                format!("{}x{}", "<span>".repeat(60), "</b>".repeat(100_000)),
            ),
            ("formatting elements", "<b><i><u>x".repeat(20_000)),
            ("distinct formatting elements", distinct_b),
            ("adoption agency", "<a><b><p>x</a>".repeat(20_000)),
            (
                "foster parenting",
                format!("<table>{}", "<b>x<div>y".repeat(20_000)),
            ),
            ("select", "<select><option>x".repeat(20_000)),
            ("template", "<template>x".repeat(20_000)),
            ("lists", "<ul><li>x".repeat(20_000)),
            ("attributes", format!("<p{many_attrs}>x</p>")),
            ("html attributes", format!("<html{many_attrs}>").repeat(50)),
            ("text nodes", "x<!---->".repeat(30_000)),
        ];
        for (what, inner) in shapes {
            for fragment in [false, true] {
                let html = page(&inner);
                let parsed = parse_within(&html, fragment, SMALL);
                let cut = parsed
                    .cut
                    .as_ref()
                    .unwrap_or_else(|| panic!("{what}: not cut"));
                assert!(cut.at < html.len(), "{what}");
                assert!(
                    parsed.work < SMALL.work * 3,
                    "{what}: {} units",
                    parsed.work
                );
                assert!(parsed.doc.tree.len() < SMALL.nodes * 3, "{what}");
                // What was read is there.
                assert!(parsed.doc.root().text().contains("开头。"), "{what}");
            }
        }
    }

    #[test]
    fn the_default_budget_cuts_twenty_thousand_self_closing_divs() {
        let html = page(&"<div/>".repeat(20_000));
        let parsed = parse(&html, true);
        let cut = parsed.cut.expect("cut");
        assert_eq!(cut.limit, Limit::Depth);
        assert!(cut.elements <= MAX_DEPTH + PIECE, "{cut:?}");
        assert!(parsed.work < MAX_WORK, "{}", parsed.work);
    }

    #[test]
    fn no_element_is_left_deeper_than_the_limit() {
        // The adoption agency moves subtrees the sink saw at a smaller depth.
        let html = format!("{}{}", "<a><div>".repeat(40), "</a>x".repeat(40));
        let parsed = parse_within(&html, true, Limits { depth: 8, ..SMALL });
        let mut deepest = 0;
        let mut stack = vec![(parsed.doc.root(), 0)];
        while let Some((node, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            stack.extend(node.children_it(false).map(|c| (c, depth + 1)));
        }
        assert!(deepest <= 9, "{deepest}");
    }

    #[test]
    fn attribute_checks_are_bounded_before_parsing() {
        let attrs = |n: usize| (0..n).map(|i| format!(" a{i}")).collect::<String>();
        let tag = format!("<p{}>", attrs(1000));
        // 1000 attributes: about half a million checks.
        assert_eq!(attribute_work(&tag, 1_000_000), None);
        assert_eq!(
            attribute_work(&tag, 100_000).map(|at| at < tag.len()),
            Some(true)
        );
        // Quoted values (with `>` in them) do not end the tag.
        let quoted = format!(
            "<p{}>",
            (0..1000)
                .map(|i| format!(" a{i}=\">\""))
                .collect::<String>()
        );
        assert!(attribute_work(&quoted, 100_000).is_some());
        // Whatever hides the tag from a simple reading: a comment, a script
        // or a style sheet whose text looks like an unclosed quote.
        for hide in [
            "<!-- <a x=\" -->",
            "<style><a x=\"</style>",
            "<script>'</script>",
        ] {
            let html = format!("{hide}<p{}>\"'", attrs(1000));
            assert!(attribute_work(&html, 100_000).is_some(), "{hide}");
        }
        // Real pages have nothing like it.
        assert_eq!(attribute_work(ARTICLE, 10_000), None);
        // Repeated names are cheap (one comparison each) — and counted as
        // the same worst case anyway: the count is an upper bound.
        assert!(attribute_work(&format!("<p{}>", " a".repeat(1000)), 1_000_000).is_none());
    }

    #[test]
    fn the_rest_is_read_as_plain_text() {
        let rest = "<div>第一段 &amp; <b>粗</b>&#x4e2d;&lt;</div><script>var a = '<p>x</p>';</script>\
                    <p title=\"a > b\">第二段&nbsp;&notit; &bogus;</p><!-- 注释 <p> -->第三<br>行 <x y";
        assert_eq!(
            plain_text(rest),
            ["第一段 & 粗中<", "第二段\u{a0}¬it; &bogus;", "第三", "行"]
        );
        assert_eq!(plain_text("<style>p{}</STYLE>文字"), ["文字"]);
    }

    #[test]
    fn the_texts_of_one_document_share_its_budget() {
        // A shape that costs much without reaching one text's own limits.
        let text = "<a><b><p>x</a>".repeat(4_000);
        let alone = parse(&text, true);
        assert_eq!(alone.cut, None);
        assert!(alone.nodes > 10_000, "{}", alone.nodes);
        // A document whose budget holds three such texts, not forty.
        let budget = Arc::new(SharedBudget {
            work: AtomicU64::new(u64::MAX),
            nodes: AtomicUsize::new(alone.nodes * 3),
        });
        let cuts: Vec<Option<Cut>> = with_budget(Some(budget.clone()), || {
            (0..40).map(|_| parse(&text, true).cut).collect()
        });
        assert!(cuts[..3].iter().all(Option::is_none), "{cuts:?}");
        assert!(
            cuts[3..]
                .iter()
                .all(|c| c.as_ref().is_some_and(|c| c.limit == Limit::Document)),
            "{cuts:?}"
        );
        assert!(
            cuts[3]
                .as_ref()
                .unwrap()
                .message()
                .contains("whole document")
        );
        assert_eq!(budget.nodes.load(Ordering::Relaxed), 0);
        // Outside `with_budget` every text has its own budget again, and a
        // thread started inside it gets the budget only when given it.
        assert_eq!(parse(&text, true).cut, None);
        with_budget(Some(SharedBudget::for_document(0)), || {
            let inherited = current_budget();
            std::thread::scope(|s| {
                s.spawn(|| assert!(current_budget().is_none()));
                s.spawn(move || with_budget(inherited, || assert!(current_budget().is_some())));
            });
        });
    }

    #[test]
    fn a_big_document_has_a_budget_in_proportion() {
        let small = SharedBudget::for_document(1000);
        assert_eq!(small.work.load(Ordering::Relaxed), MAX_DOCUMENT_WORK);
        assert_eq!(small.nodes.load(Ordering::Relaxed), MAX_DOCUMENT_NODES);
        let big = SharedBudget::for_document(1 << 30);
        assert_eq!(big.work.load(Ordering::Relaxed), 4 << 30);
        assert_eq!(big.nodes.load(Ordering::Relaxed), (1 << 30) / 8);
    }
}
