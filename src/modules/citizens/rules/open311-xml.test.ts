import { describe, expect, it } from 'vitest';
import { objectToXml, toXml } from './open311-xml.js';

describe('Open311 XML', () => {
  it('writes one element per item and field, escaping text and nesting lists', () => {
    const xml = toXml('services', 'service', [{ service_code: '0401', service_name: '井盖 <缺失> & 破损', metadata: false, keywords: null }]);
    expect(xml).toContain('<services>\n  <service>\n    <service_code>0401</service_code>');
    expect(xml).toContain('<service_name>井盖 &lt;缺失&gt; &amp; 破损</service_name>');
    expect(xml).toContain('<metadata>false</metadata>');
    expect(xml).toContain('<keywords/>');
    expect(toXml('service_requests', 'request', [])).toBe('<?xml version="1.0" encoding="utf-8"?>\n<service_requests></service_requests>\n');
  });

  it('writes nested objects and lists of objects', () => {
    const xml = objectToXml('discovery', { changeset: '2026-12-04', endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', formats: ['text/xml', 'application/json'] }] });
    expect(xml).toContain('<endpoints>\n    <endpoint>\n      <specification>http://wiki.open311.org/GeoReport_v2</specification>');
    expect(xml).toContain('<formats>\n        <format>text/xml</format>');
  });
});
