//! Finding a reference cycle that leaks: a widget tree with parent pointers.
//!
//!     cargo run --example widget_tree
//!     dot -Tsvg widget_tree.dot > widget_tree.svg   # if Graphviz is installed
//!
//! Each widget owns its children and, the bug, holds a *strong* `Rc` to its
//! parent (it should be a `Weak`). Closing the document drops its only handle
//! to the tree, but every widget is still owned by another one: nothing is
//! freed, and no whole-heap tool will say why. `find_cycles` does.

use instrack::{track, Edges, Trace};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Debug)]
struct Widget {
    name: String,
    parent: RefCell<Option<Rc<Widget>>>, // the bug: should be Weak<Widget>
    children: RefCell<Vec<Rc<Widget>>>,
}

impl Trace for Widget {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.parent);
        edges.trace(&self.children);
    }
}

impl Widget {
    fn new(name: &str, parent: Option<&Rc<Widget>>) -> Rc<Widget> {
        let w = Rc::new(Widget {
            name: name.to_owned(),
            parent: RefCell::new(parent.cloned()),
            children: RefCell::new(Vec::new()),
        });
        track!(&w);
        if let Some(p) = parent {
            p.children.borrow_mut().push(w.clone());
        }
        w
    }
}

struct Document {
    root: Rc<Widget>,
}

fn open_document() -> Document {
    let root = Widget::new("window", None);
    let toolbar = Widget::new("toolbar", Some(&root));
    Widget::new("save button", Some(&toolbar));
    Widget::new("print button", Some(&toolbar));
    Widget::new("editor", Some(&root));
    Document { root }
}

fn main() {
    let doc = open_document();
    println!("document open with root {:?}: cycles found: {}", doc.root.name, instrack::find_cycles().len());
    drop(doc); // "close" the document
    println!("document closed: {} widget(s) still alive\n", instrack::counts::<Widget>().live);

    let cycles = instrack::find_cycles();
    if !instrack::ENABLED {
        instrack::report("Widget"); // says that tracking is compiled out
        return;
    }
    for cycle in &cycles {
        println!("{cycle}");
    }

    // Why is the save button still alive?
    let snap = instrack::snapshot().narrow("Widget");
    let save = snap.instances().find(|i| i.debug().is_some_and(|d| d.contains("save button"))).map(|i| i.id());
    if let Some(why) = save.and_then(instrack::why_alive) {
        println!("{why}");
    }

    let path = "widget_tree.dot";
    match std::fs::write(path, instrack::graph_dot("Widget")) {
        Ok(()) => println!("wrote {path}: render it with `dot -Tsvg {path} > widget_tree.svg`"),
        Err(e) => eprintln!("could not write {path}: {e}"),
    }
    println!("fix: make `parent` a `Weak<Widget>`; the tree is then freed when the document closes.");
}
