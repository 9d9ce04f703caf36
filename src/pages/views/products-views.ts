/**
 * /products (docs/architecture.md): the list everyone signed in may browse (search, cursor pages), one
 * product, and the form that creates or edits one. Which buttons show is decided by the caller
 * from the products service's own rule (canWriteProduct); the service checks again on every post.
 */
import { html } from '../../http/html.js';
import type { ProductRecord } from '../../products/products-service.js';
import type { FormErrors } from '../form-errors.js';
import { pager, postButton, textArea, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

export interface ProductListView {
  items: { product: ProductRecord; canEdit: boolean }[];
  q: string;
  mine: boolean;
  nextCursor: string | null;
  firstPage: boolean;
  canCreate: boolean;
  notice: string | null;
}

export function productListPage(chrome: PageChrome, v: ProductListView): string {
  const body = html`<div class="row"><h1>Products</h1>${v.canCreate && html`<a class="button" href="/products/new">New product</a>`}</div>
${alert('ok', v.notice)}
<form class="card filters" method="get" action="/products" role="search">
${field({ name: 'q', label: 'Search title and description', type: 'search', value: v.q, idPrefix: 'search' })}
${v.canCreate && html`<label class="check" for="search-mine"><input type="checkbox" id="search-mine" name="mine" value="1"${v.mine ? html` checked` : null}> Only mine</label>`}
<div><button type="submit">Search</button></div>
</form>
<section class="card" aria-label="Products">
${v.items.length === 0 ? html`<p class="muted">No products${v.q ? ' match this search' : ' yet'}.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Title</th><th scope="col">Price</th><th scope="col">Added</th><th scope="col">Actions</th></tr></thead>
<tbody>${v.items.map(({ product: p, canEdit }) => html`<tr data-product="${p.id}">
<td><a href="/products/${p.id}">${p.title}</a></td><td>${p.price} ${p.currency}</td><td>${when(p.createdAt)}</td>
<td>${canEdit ? html`<div class="row"><a class="button secondary" href="/products/${p.id}/edit">Edit</a>${postButton({ action: `/products/${p.id}/delete`, csrf: chrome.csrf, label: 'Delete', kind: 'danger', ariaLabel: `Delete ${p.title}` })}</div>` : null}</td>
</tr>`)}</tbody></table></div>`}
${pager('/products', { q: v.q || null, mine: v.mine ? '1' : null }, v.nextCursor, v.firstPage)}
</section>`;
  return page({ title: 'Products', chrome, body });
}

export function productPage(chrome: PageChrome, v: { product: ProductRecord; canEdit: boolean; notice: string | null }): string {
  const p = v.product;
  const body = html`<p><a href="/products">← All products</a></p>
${alert('ok', v.notice)}
<article class="card" data-product="${p.id}">
<h1>${p.title}</h1>
<p><strong>${p.price} ${p.currency}</strong></p>
${p.description ? html`<p class="description">${p.description}</p>` : html`<p class="muted">No description.</p>`}
${p.imageUrl && html`<p>Image: <a href="${p.imageUrl}" rel="noopener noreferrer">${p.imageUrl}</a></p>`}
<p class="muted">Seller <code>${p.sellerId}</code> · added ${when(p.createdAt)} · changed ${when(p.updatedAt)}</p>
${v.canEdit && html`<div class="row"><a class="button secondary" href="/products/${p.id}/edit">Edit</a>${postButton({ action: `/products/${p.id}/delete`, csrf: chrome.csrf, label: 'Delete', kind: 'danger' })}</div>`}
</article>`;
  return page({ title: p.title, chrome, body });
}

export interface ProductFormValues {
  title: string;
  description: string;
  price: string;
  currency: string;
  image_url: string;
}

export function productFormPage(chrome: PageChrome, v: { id: string | null; values: ProductFormValues; errors: FormErrors }): string {
  const e = v.errors.fields;
  const body = html`<p><a href="${v.id ? `/products/${v.id}` : '/products'}">← Back</a></p>
<section class="card">
<h1>${v.id ? 'Edit product' : 'New product'}</h1>
${alert('error', v.errors.message)}
<form method="post" action="${v.id ? `/products/${v.id}` : '/products'}" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'title', label: 'Title', value: v.values.title, required: true, error: e.title, idPrefix: 'product' })}
${textArea({ name: 'description', label: 'Description', value: v.values.description, error: e.description, idPrefix: 'product' })}
<div class="filters">
${field({ name: 'price', label: 'Price', value: v.values.price, required: true, inputmode: 'text', error: e.price, hint: 'e.g. 19.99', idPrefix: 'product' })}
${field({ name: 'currency', label: 'Currency', value: v.values.currency, required: true, error: e.currency, hint: 'ISO 4217 code, e.g. EUR', idPrefix: 'product' })}
</div>
${field({ name: 'image_url', label: 'Image URL', type: 'url', value: v.values.image_url, error: e.image_url, hint: 'https only; optional', idPrefix: 'product' })}
<button type="submit">${v.id ? 'Save changes' : 'Create product'}</button>
</form>
</section>`;
  return page({ title: v.id ? 'Edit product' : 'New product', chrome, body });
}
