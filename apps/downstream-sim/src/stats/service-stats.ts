// Requests each service received and how many of them a fault failed (`down`, an `errorRate`
// draw, or `hang`). Requests the service itself refused (a 400, a 404) are not failures: the
// service answered. Declines are not failures either.
import { recordOf, SERVICE_NAMES, type ServiceName } from '../service-names';

export interface ServiceCounts {
  requests: number;
  failed: number;
}

export class ServiceStats {
  private counts = ServiceStats.zeroes();

  countRequest(service: ServiceName): void {
    this.counts[service].requests += 1;
  }

  countFailure(service: ServiceName): void {
    this.counts[service].failed += 1;
  }

  /** Every service, including those that received nothing yet. */
  snapshot(): Record<ServiceName, ServiceCounts> {
    return recordOf(SERVICE_NAMES, (service) => ({ ...this.counts[service] }));
  }

  reset(): void {
    this.counts = ServiceStats.zeroes();
  }

  private static zeroes(): Record<ServiceName, ServiceCounts> {
    return recordOf(SERVICE_NAMES, () => ({ requests: 0, failed: 0 }));
  }
}
