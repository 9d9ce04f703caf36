// SKELETON — being implemented (issue 4)
export class ProductsRepository {}
