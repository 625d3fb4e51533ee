import { bootstrapService } from '@rma/service-core';
import { AppModule } from './app.module';

void bootstrapService(AppModule.forRoot());
