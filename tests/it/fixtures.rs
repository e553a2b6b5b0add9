//! Fixtures shared by the test modules.

/// Defines `$name`, a traced node of a ring of `Rc`s: a `label` shown by
/// its `Debug`, and the `next` node it holds, reported by its `Trace` impl
/// as the field `.next`. `$name::pair(a, b)` makes two tracked nodes that
/// hold each other, `$name::looped(label)` one that holds itself.
///
/// A macro, not one type: tests run in parallel against one registry, and
/// each looks only at the cycles of types of its own.
macro_rules! ring_node {
    ($name:ident) => {
        #[derive(Debug)]
        #[allow(dead_code)] // `label` is read through Debug
        struct $name {
            label: &'static str,
            next: std::cell::RefCell<Option<std::rc::Rc<$name>>>,
        }

        impl instrack::Trace for $name {
            fn trace(&self, edges: &mut instrack::Edges<'_>) {
                edges.field("next", &self.next);
            }
        }

        #[allow(dead_code)] // not every test uses both
        impl $name {
            /// An untracked node holding `next`.
            fn new(label: &'static str, next: Option<&std::rc::Rc<$name>>) -> std::rc::Rc<$name> {
                std::rc::Rc::new($name { label, next: std::cell::RefCell::new(next.cloned()) })
            }

            /// Two nodes holding each other, `a → b → a`, tracked in that order.
            fn pair(a: &'static str, b: &'static str) -> (std::rc::Rc<$name>, std::rc::Rc<$name>) {
                let a = $name::new(a, None);
                let b = $name::new(b, Some(&a));
                *a.next.borrow_mut() = Some(b.clone());
                instrack::track!(&a);
                instrack::track!(&b);
                (a, b)
            }

            /// A tracked node holding itself, `a → a`.
            fn looped(label: &'static str) -> std::rc::Rc<$name> {
                let a = $name::new(label, None);
                *a.next.borrow_mut() = Some(a.clone());
                instrack::track!(&a);
                a
            }
        }
    };
}

pub(crate) use ring_node;
