import { describe, expect, it } from 'vitest';
import { applyFieldMask, FieldMaskError, parseFieldMask } from './field-mask.ts';

const customer = {
  customer: {
    customer_id: 'c1',
    email: 'a@b.no',
    address: { city: 'Oslo', postal_code: '0150', country: 'NO' },
    tokens: [{ token_id: 't1', type: 'card', value: 'x' }, { token_id: 't2', type: 'phone', value: 'y' }],
  },
};
const pick = (mask: string): unknown => applyFieldMask(customer, parseFieldMask(mask));

describe('fields mask', () => {
  it('selects fields, paths and sub-selections', () => {
    expect(pick('customer(customer_id,email)')).toEqual({ customer: { customer_id: 'c1', email: 'a@b.no' } });
    expect(pick('customer/address/city')).toEqual({ customer: { address: { city: 'Oslo' } } });
    expect(pick('customer/customer_id,customer/address(city,country)')).toEqual({ customer: { customer_id: 'c1', address: { city: 'Oslo', country: 'NO' } } });
  });

  it('applies to every item of an array, and * selects every field', () => {
    expect(pick('customer/tokens/token_id')).toEqual({ customer: { tokens: [{ token_id: 't1' }, { token_id: 't2' }] } });
    expect(pick('customer/*/city')).toEqual({ customer: { customer_id: 'c1', email: 'a@b.no', address: { city: 'Oslo' }, tokens: [{}, {}] } });
  });

  it('a whole field wins over a part of it', () => {
    expect(pick('customer/address/city,customer/address')).toEqual({ customer: { address: customer.customer.address } });
  });

  it('refuses malformed masks with the position', () => {
    expect(() => parseFieldMask('customer(email')).toThrow(FieldMaskError);
    expect(() => parseFieldMask('a,,b')).toThrow(/position 3/);
    expect(() => parseFieldMask('a b')).toThrow(/position 2/);
  });
});
