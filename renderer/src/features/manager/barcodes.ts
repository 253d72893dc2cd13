/** Barcode images for printed gift cards, drawn in the browser as SVG. */
import bwipjs from 'bwip-js/browser';

const svgDataUri = (svg: string): string => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

export const code128 = (text: string): string => svgDataUri(bwipjs.toSVG({ bcid: 'code128', text, scale: 2, height: 12, includetext: true, textxalign: 'center' }));

export const qrCode = (text: string): string => svgDataUri(bwipjs.toSVG({ bcid: 'qrcode', text, scale: 3 }));
