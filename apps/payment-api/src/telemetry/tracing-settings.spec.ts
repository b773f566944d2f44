import { resourceAttributesWithInstance } from './tracing-settings';

describe('resourceAttributesWithInstance', () => {
  it('adds service.instance.id when nothing is set', () => {
    expect(resourceAttributesWithInstance(undefined, 'api-2')).toBe('service.instance.id=api-2');
    expect(resourceAttributesWithInstance('  ', 'api-2')).toBe('service.instance.id=api-2');
  });

  it('keeps what the operator set and adds the instance after it', () => {
    expect(resourceAttributesWithInstance('deployment.environment=prod,team=payments', 'api-1')).toBe('deployment.environment=prod,team=payments,service.instance.id=api-1');
  });

  it('leaves an id the operator gave', () => {
    expect(resourceAttributesWithInstance('service.instance.id=pod-7,team=payments', 'api-1')).toBe('service.instance.id=pod-7,team=payments');
    expect(resourceAttributesWithInstance('team=payments, service.instance.id = pod-7', 'api-1')).toBe('team=payments, service.instance.id = pod-7');
  });

  it('percent-encodes an id with characters the variable reserves', () => {
    expect(resourceAttributesWithInstance(undefined, 'host,a=b 1')).toBe('service.instance.id=host%2Ca%3Db%201');
  });
});
