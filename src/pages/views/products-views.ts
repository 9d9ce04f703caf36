/**
 * /products (docs/architecture.md): the list everyone signed in may browse (search, cursor pages), one
 * product, and the form that creates or edits one. Which buttons show is decided by the caller
 * from the products service's own rule (canWriteProduct); the service checks again on every post.
 * Every text comes from the reader's catalogue; the list is a table that stacks on phones.
 */
import { html, type Html } from '../../http/html.js';
import type { ProductRecord } from '../../products/products-service.js';
import type { FormErrors } from '../form-errors.js';
import { postButton, textArea } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';
import { timeIn } from './time-view.js';

export interface ProductListView {
  items: { product: ProductRecord; canEdit: boolean }[];
  q: string;
  mine: boolean;
  nextCursor: string | null;
  firstPage: boolean;
  canCreate: boolean;
  /** the notice a redirect carried, in the reader's language */
  notice: string | null;
}

/** "first page / next page" links of the keyset list (its cursors only go forward) */
function pager(chrome: PageChrome, query: Record<string, string | null>, nextCursor: string | null, onFirstPage: boolean): Html | null {
  if (!nextCursor && onFirstPage) return null;
  const { t } = chrome;
  const link = (cursor: string | null) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
    if (cursor) params.set('cursor', cursor);
    const qs = params.toString();
    return qs ? `/products?${qs}` : '/products';
  };
  return html`<nav class="pager row" aria-label="${t.t('products.list.pages')}">
${onFirstPage ? null : html`<a class="button secondary" href="${link(null)}">${t.t('products.list.firstPage')}</a>`}
${nextCursor ? html`<a class="button secondary" href="${link(nextCursor)}" rel="next">${t.t('products.list.nextPage')}</a>` : null}
</nav>`;
}

function editButtons(chrome: PageChrome, p: ProductRecord): Html {
  const { t } = chrome;
  return html`<div class="row"><a class="button secondary" href="/products/${p.id}/edit">${t.t('products.edit')}</a>${postButton({ action: `/products/${p.id}/delete`, csrf: chrome.csrf, label: t.t('products.delete'), kind: 'danger', ariaLabel: t.t('products.deleteOne', { title: p.title }) })}</div>`;
}

export function productListPage(chrome: PageChrome, v: ProductListView): string {
  const { t } = chrome;
  const col = { title: t.t('products.list.titleColumn'), price: t.t('products.list.price'), added: t.t('products.list.added'), actions: t.t('products.list.actions') };
  const body = html`<div class="row"><h1>${t.t('products.title')}</h1>${v.canCreate && html`<a class="button" href="/products/new">${t.t('products.list.new')}</a>`}</div>
${alert('ok', v.notice)}
<form class="card filters" method="get" action="/products" role="search">
${field({ name: 'q', label: t.t('products.list.search'), type: 'search', value: v.q, idPrefix: 'search' })}
${v.canCreate && html`<label class="check" for="search-mine"><input type="checkbox" id="search-mine" name="mine" value="1"${v.mine ? html` checked` : null}> ${t.t('products.list.mine')}</label>`}
<div><button type="submit">${t.t('products.list.searchButton')}</button></div>
</form>
<section class="card" aria-label="${t.t('products.title')}">
${v.items.length === 0 ? html`<p class="muted">${v.q ? t.t('products.list.noneMatch') : t.t('products.list.noneYet')}</p>` : html`<table class="stack">
<thead><tr><th scope="col">${col.title}</th><th scope="col">${col.price}</th><th scope="col">${col.added}</th><th scope="col">${col.actions}</th></tr></thead>
<tbody>${v.items.map(({ product: p, canEdit }) => html`<tr data-product="${p.id}">
<td data-label="${col.title}" class="wrap"><a href="/products/${p.id}">${p.title}</a></td><td data-label="${col.price}">${p.price} ${p.currency}</td><td data-label="${col.added}">${timeIn(t, p.createdAt)}</td>
<td data-label="${col.actions}">${canEdit ? editButtons(chrome, p) : null}</td>
</tr>`)}</tbody></table>`}
${pager(chrome, { q: v.q || null, mine: v.mine ? '1' : null }, v.nextCursor, v.firstPage)}
</section>`;
  return page({ title: t.t('products.title'), chrome, body });
}

export function productPage(chrome: PageChrome, v: { product: ProductRecord; canEdit: boolean; notice: string | null }): string {
  const { t } = chrome;
  const p = v.product;
  const body = html`<p><a href="/products">${t.t('products.show.all')}</a></p>
${alert('ok', v.notice)}
<article class="card wrap" data-product="${p.id}">
<h1>${p.title}</h1>
<p><strong>${p.price} ${p.currency}</strong></p>
${p.description ? html`<p class="description">${p.description}</p>` : html`<p class="muted">${t.t('products.show.noDescription')}</p>`}
${p.imageUrl && html`<p>${t.t('products.show.image')} <a href="${p.imageUrl}" rel="noopener noreferrer">${p.imageUrl}</a></p>`}
<p class="muted">${meta(chrome, p)}</p>
${v.canEdit && editButtons(chrome, p)}
</article>`;
  return page({ title: p.title, chrome, body });
}

/** "Seller <id> · added <time> · changed <time>" */
function meta(chrome: PageChrome, p: ProductRecord): Html {
  const { t } = chrome;
  return html`${t.t('products.show.seller')} <code>${p.sellerId}</code> · ${t.t('products.show.added')} ${timeIn(t, p.createdAt)} · ${t.t('products.show.changed')} ${timeIn(t, p.updatedAt)}`;
}

export interface ProductFormValues {
  title: string;
  description: string;
  price: string;
  currency: string;
  image_url: string;
}

export function productFormPage(chrome: PageChrome, v: { id: string | null; values: ProductFormValues; errors: FormErrors }): string {
  const { t } = chrome;
  const e = v.errors.fields;
  const heading = v.id ? t.t('products.form.editTitle') : t.t('products.form.newTitle');
  const body = html`<p><a href="${v.id ? `/products/${v.id}` : '/products'}">${t.t('products.form.back')}</a></p>
<section class="card">
<h1>${heading}</h1>
${alert('error', v.errors.message)}
<form method="post" action="${v.id ? `/products/${v.id}` : '/products'}" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'title', label: t.t('products.form.title'), value: v.values.title, required: true, error: e.title, idPrefix: 'product' })}
${textArea({ name: 'description', label: t.t('products.form.description'), value: v.values.description, error: e.description, idPrefix: 'product' })}
<div class="filters">
${field({ name: 'price', label: t.t('products.form.price'), value: v.values.price, required: true, inputmode: 'text', error: e.price, hint: t.t('products.form.priceHint'), idPrefix: 'product' })}
${field({ name: 'currency', label: t.t('products.form.currency'), value: v.values.currency, required: true, error: e.currency, hint: t.t('products.form.currencyHint'), idPrefix: 'product' })}
</div>
${field({ name: 'image_url', label: t.t('products.form.image'), type: 'url', value: v.values.image_url, error: e.image_url, hint: t.t('products.form.imageHint'), idPrefix: 'product' })}
<button type="submit">${v.id ? t.t('products.form.save') : t.t('products.form.create')}</button>
</form>
</section>`;
  return page({ title: heading, chrome, body });
}
