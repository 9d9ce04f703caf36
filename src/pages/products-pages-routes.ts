/**
 * /products (docs/architecture.md, issue 20 item 4): everyone with products:read browses; products:write
 * creates and changes their own, products:write:any everyone's. Each page calls ProductsService —
 * the API's service, where permission, fields, existence and ownership are checked in that order —
 * after the form is checked against the API's body schema. The edit form itself is refused with the
 * service's own answer (403 product owner) before it is shown, using the service's canWriteProduct.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { checkBody } from '../http/validation.js';
import { CreateProductBody, PatchProductBody } from '../products/products-schemas.js';
import { productsErrors } from '../products/products-errors.js';
import { canWriteProduct, canWriteProducts, PRODUCTS_WRITE, type NewProductInput, type ProductActor, type ProductRecord, type ProductsService } from '../products/products-service.js';
import type { MessageKey } from '../i18n/translator.js';
import { noticeOf, orNull, pathId, withNotice } from './console-kit.js';
import { NO_ERRORS, refusalOf } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { productFormPage, productListPage, productPage, type ProductFormValues } from './views/products-views.js';

export interface ProductsPagesOptions {
  kit: PageKit;
  products: ProductsService;
}

const read = { page: true, auth: 'required', permission: 'products:read' } as const;
const write = { page: true, auth: 'required', permission: PRODUCTS_WRITE } as const;
/** edit and delete: products:write or products:write:any (as the API's PATCH/DELETE), ownership in the service */
const change = { page: true, auth: 'required' } as const;
async function requireProductWrite(request: FastifyRequest): Promise<void> {
  if (!canWriteProducts(principalOf(request))) throw commonErrors.forbidden();
}

/** what a redirect to a products page may carry (`?notice=<key>`), as catalogue keys */
const NOTICES: Record<string, MessageKey> = { created: 'products.notice.created', saved: 'products.notice.saved', deleted: 'products.notice.deleted' };

function actorOf(request: FastifyRequest): ProductActor {
  const p = principalOf(request);
  return { userId: p.userId, permissions: p.permissions };
}

function valuesOf(p: ProductRecord): ProductFormValues {
  return { title: p.title, description: p.description ?? '', price: p.price, currency: p.currency, image_url: p.imageUrl ?? '' };
}

function typedValues(request: FastifyRequest): ProductFormValues {
  return {
    title: formField(request, 'title'),
    description: formField(request, 'description'),
    price: formField(request, 'price').trim(),
    currency: formField(request, 'currency').trim(),
    image_url: formField(request, 'image_url').trim(),
  };
}

/** the form as the API's body: empty optional fields are null, the price stays text */
function bodyOf(v: ProductFormValues): NewProductInput {
  return { title: v.title, description: orNull(v.description) === null ? null : v.description, price: v.price, currency: v.currency, image_url: orNull(v.image_url) };
}

export const productsPagesRoutes: FastifyPluginAsync<ProductsPagesOptions> = async (app, { kit, products }) => {
  /** the notice a redirect carried, in the reader's language */
  function notice(request: FastifyRequest): string | null {
    const key = noticeOf(request, NOTICES) as MessageKey | null;
    return key && kit.translator(request).t(key);
  }

  function form(request: FastifyRequest, reply: FastifyReply, status: number, id: string | null, values: ProductFormValues, errors = NO_ERRORS, headers: Record<string, string> = {}) {
    return kit.render(request, reply, status, (chrome) => productFormPage(chrome, { id, values, errors }), headers);
  }

  app.get('/products', { config: read }, async function productList(request, reply) {
    const actor = actorOf(request);
    const q = (queryParam(request, 'q') ?? '').trim().slice(0, 200);
    const mine = queryParam(request, 'mine') === '1';
    const cursor = queryParam(request, 'cursor') || null;
    const { items, nextCursor } = await products.list({ sellerId: mine ? actor.userId : null, q: q || null }, { limit: 20, cursor });
    return kit.render(request, reply, 200, (chrome) =>
      productListPage(chrome, {
        items: items.map((product) => ({ product, canEdit: canWriteProduct(actor, product) })),
        q,
        mine,
        nextCursor,
        firstPage: cursor === null,
        canCreate: actor.permissions.has(PRODUCTS_WRITE),
        notice: notice(request),
      }));
  });

  app.get('/products/new', { config: write }, async function newProductForm(request, reply) {
    return form(request, reply, 200, null, { title: '', description: '', price: '', currency: 'EUR', image_url: '' });
  });

  app.post('/products', { config: write }, async function createProduct(request, reply) {
    const values = typedValues(request);
    let created: ProductRecord;
    try {
      const body = checkBody<NewProductInput>(CreateProductBody, bodyOf(values));
      created = await products.create(requestContext(request), actorOf(request), body);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      return form(request, reply, r.status, null, values, r.errors, r.headers);
    }
    return kit.redirect(reply, withNotice(`/products/${created.id}`, 'created'));
  });

  app.get('/products/:id', { config: read }, async function showProduct(request, reply) {
    const product = await products.get(pathId(request, 'product'));
    return kit.render(request, reply, 200, (chrome) => productPage(chrome, { product, canEdit: canWriteProduct(actorOf(request), product), notice: notice(request) }));
  });

  app.get('/products/:id/edit', { config: change, onRequest: requireProductWrite }, async function editProductForm(request, reply) {
    const product = await products.get(pathId(request, 'product'));
    if (!canWriteProduct(actorOf(request), product)) throw productsErrors.notOwner();
    return form(request, reply, 200, product.id, valuesOf(product));
  });

  app.post('/products/:id', { config: change, onRequest: requireProductWrite }, async function saveProduct(request, reply) {
    const id = pathId(request, 'product');
    const values = typedValues(request);
    try {
      const body = checkBody<NewProductInput>(PatchProductBody, bodyOf(values));
      await products.update(requestContext(request), actorOf(request), id, body);
    } catch (error) {
      const r = refusalOf(error, kit.translator(request));
      // not theirs or gone: the error page (403/404), not a form to retry
      if (r.status === 403 || r.status === 404) throw error;
      return form(request, reply, r.status, id, values, r.errors, r.headers);
    }
    return kit.redirect(reply, withNotice(`/products/${id}`, 'saved'));
  });

  app.post('/products/:id/delete', { config: change, onRequest: requireProductWrite }, async function deleteProduct(request, reply) {
    await products.delete(requestContext(request), actorOf(request), pathId(request, 'product'));
    return kit.redirect(reply, withNotice('/products', 'deleted'));
  });

};
