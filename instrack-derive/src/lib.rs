//! `#[derive(Trace)]` for instrack. Use it through instrack's `derive`
//! feature, as `#[derive(instrack::Trace)]`; the expansion names only
//! `::instrack` paths (or the path given by `#[trace(crate = "…")]`).
//!
//! What it writes, for `struct Session { id: u64, on_close: Option<TracedFn<…>> }`:
//!
//! ```text
//! impl ::instrack::Trace for Session {
//!     fn trace(&self, edges: &mut ::instrack::Edges<'_>) {
//!         if !::instrack::ENABLED { return; }            // compiled out: an empty body
//!         ::instrack::Edges::field(edges, "id", &self.id);        // a leaf: reports nothing
//!         ::instrack::Edges::field(edges, "on_close", &self.on_close);
//!     }
//! }
//! ```
//!
//! - Every field is traced under its name (`0`, `1`, … in tuple structs;
//!   `Variant.field` in enums), unless marked `#[trace(skip)]`. A field
//!   whose type has no `Trace` impl is a compile error pointing at the field.
//! - Each type parameter used in a traced field gets a `T: Trace` bound, as
//!   serde's derives add theirs (not for `PhantomData<T>` or `Tracked<T>`).
//! - Unions are refused: which field is live is not known.
//!
//! The body reads `instrack::ENABLED`, which instrack decides: compiled out,
//! the impl is an empty function and links nothing of instrack.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{parse_macro_input, Attribute, Data, DeriveInput, Fields, Ident, LitStr, Path, Type};

/// Derives `instrack::Trace`: each field's `Arc`s and `Rc`s are reported
/// under the field's name. See the crate docs, and instrack's `Trace`.
#[proc_macro_derive(Trace, attributes(trace))]
pub fn derive_trace(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// One traced field: its name in reports, the expression that borrows it,
/// its type, and where it is written (for errors).
struct Traced<'a> {
    label: String,
    access: TokenStream2,
    ty: &'a Type,
    span: Span,
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let krate = container_crate(&input.attrs)?;
    let mut traced: Vec<Traced<'_>> = Vec::new();
    let body = match &input.data {
        Data::Struct(data) => {
            for (i, field) in data.fields.iter().enumerate() {
                if skipped(&field.attrs)? {
                    continue;
                }
                let (label, member) = match &field.ident {
                    Some(name) => (unraw(name), name.to_token_stream()),
                    None => (i.to_string(), syn::Index::from(i).to_token_stream()),
                };
                let access = quote_spanned!(field.span()=> &self.#member);
                traced.push(Traced { label, access, ty: &field.ty, span: field.span() });
            }
            let calls = calls(&krate, &traced);
            quote!(#(#calls)*)
        }
        Data::Enum(data) => {
            let mut arms = Vec::new();
            for variant in &data.variants {
                let start = traced.len();
                let name = &variant.ident;
                let mut bindings = Vec::new();
                for (i, field) in variant.fields.iter().enumerate() {
                    let skip = skipped(&field.attrs)?;
                    let binding = format_ident!("__instrack_{}", i);
                    let label = match &field.ident {
                        Some(ident) => format!("{}.{}", unraw(name), unraw(ident)),
                        None => format!("{}.{i}", unraw(name)),
                    };
                    bindings.push(match (&field.ident, skip) {
                        (Some(ident), false) => quote!(#ident: #binding),
                        (Some(ident), true) => quote!(#ident: _),
                        (None, false) => quote!(#binding),
                        (None, true) => quote!(_),
                    });
                    if !skip {
                        let access = quote_spanned!(field.span()=> #binding);
                        traced.push(Traced { label, access, ty: &field.ty, span: field.span() });
                    }
                }
                let pattern = match &variant.fields {
                    Fields::Named(_) => quote!(Self::#name { #(#bindings),* }),
                    Fields::Unnamed(_) => quote!(Self::#name(#(#bindings),*)),
                    Fields::Unit => quote!(Self::#name),
                };
                let calls = calls(&krate, &traced[start..]);
                arms.push(quote!(#pattern => { #(#calls)* }));
            }
            quote!(match self { #(#arms)* })
        }
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span(),
                "`Trace` cannot be derived for a union: which field is live is not known; \
                 implement `instrack::Trace` by hand",
            ))
        }
    };
    let mut generics = input.generics.clone();
    let bounded: Vec<Ident> = input
        .generics
        .type_params()
        .map(|p| p.ident.clone())
        .filter(|param| traced.iter().any(|field| can_hold(field.ty) && mentions(field.ty.to_token_stream(), param)))
        .collect();
    let where_clause = generics.make_where_clause();
    for param in &bounded {
        where_clause.predicates.push(syn::parse_quote!(#param: #krate::Trace));
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let name = &input.ident;
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Trace for #name #type_generics #where_clause {
            #[allow(unused_variables)]
            fn trace(&self, __instrack_edges: &mut #krate::Edges<'_>) {
                // Decided by instrack, not by the caller's cfgs: compiled out,
                // the body is empty and links nothing.
                if !#krate::ENABLED {
                    return;
                }
                #body
            }
        }
    })
}

/// One `Edges::field` call per traced field, spanned at the field so that a
/// type without `Trace` is reported there.
fn calls(krate: &Path, fields: &[Traced<'_>]) -> Vec<TokenStream2> {
    fields
        .iter()
        .map(|f| {
            let (label, access, ty) = (&f.label, &f.access, f.ty);
            // The type named, so that an error is about the field's type.
            quote_spanned!(f.span=> #krate::Edges::field::<#ty>(__instrack_edges, #label, #access);)
        })
        .collect()
}

/// `r#type` is reported as `type`.
fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

/// Whether a field's `#[trace(…)]` attributes say `skip`; an unknown one is an error.
fn skipped(attrs: &[Attribute]) -> syn::Result<bool> {
    let mut skip = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("trace")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                skip = true;
                Ok(())
            } else {
                Err(meta.error("unknown `trace` attribute on a field: expected `#[trace(skip)]`"))
            }
        })?;
    }
    Ok(skip)
}

/// The path of the instrack crate: `::instrack`, or `#[trace(crate = "…")]`.
fn container_crate(attrs: &[Attribute]) -> syn::Result<Path> {
    let mut krate: Path = syn::parse_quote!(::instrack);
    for attr in attrs.iter().filter(|a| a.path().is_ident("trace")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = meta.value()?.parse::<LitStr>()?.parse()?;
                Ok(())
            } else {
                Err(meta
                    .error("unknown `trace` attribute on a type: expected `#[trace(crate = \"path::to::instrack\")]`"))
            }
        })?;
    }
    Ok(krate)
}

/// Whether the field's type can hold a value of a type parameter: not a
/// `PhantomData<T>` nor a `Tracked<T>`, which hold none.
fn can_hold(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_none_or(|s| s.ident != "PhantomData" && s.ident != "Tracked"),
        _ => true,
    }
}

/// Whether `param` is named anywhere in the tokens of a type.
fn mentions(tokens: TokenStream2, param: &Ident) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == *param,
        TokenTree::Group(group) => mentions(group.stream(), param),
        _ => false,
    })
}
